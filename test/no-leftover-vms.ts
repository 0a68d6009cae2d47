import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every VM a test starts must be gone when the tests end: fail the run
 * otherwise. The run gets a temporary folder of its own (TMPDIR, inherited
 * by the test workers), where every VM keeps its agent socket, so VMs of
 * other runs on the same machine are never mistaken for ours.
 */
let runDir = '';

function runningVms(): string[] {
  try {
    // a test file may move TMPDIR into a folder of its own under runDir: its VMs count too
    return execFileSync('pgrep', ['-af', `qemu-system.*${runDir}/(.*/)?kshram-vm-`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function setup(): void {
  runDir = mkdtempSync(join(tmpdir(), 'kshram-tests-'));
  process.env.TMPDIR = runDir;
}

export function teardown(): void {
  const left = runningVms();
  try {
    // a VM's folder may still be going away as the last worker exits: retry, and never fail the run for it
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (err) {
    console.warn(`could not remove ${runDir}: ${(err as Error).message}`);
  }
  if (left.length) throw new Error(`QEMU left running after the tests:\n${left.join('\n')}`);
}
