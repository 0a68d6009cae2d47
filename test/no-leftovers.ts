import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { HostProcess } from './processes.js';
import { describeLeftovers, endLeftovers, graceMs, leftoversAfter, processCount, RUN_MARKER, type RunScope } from './leftovers.js';

/**
 * Nothing a test starts may outlive the run (globalSetup): no web server,
 * QEMU, gdb, clangd, redis-server or worker. The run marks itself
 * (RUN_MARKER, inherited by the test workers and everything they start)
 * and gets a temporary folder of its own (TMPDIR, where every VM keeps
 * its agent socket). Once the tests are done, any process still carrying
 * the marker, mentioning the folder or descending from the run fails the
 * run, by name, and is killed so the machine is clean again. Runs of
 * other people on the same machine have markers of their own.
 */

/**
 * Processes killed as the last worker exited (their parent-death signal)
 * take a moment to go; every file already waited for its own stragglers.
 */
const GRACE_MS = 3_000;
/** vitest's test workers (and any esbuild service of its own) carry the marker too; what the workers started is what is looked for. */
const VITEST_CHILD = /\/vitest\/dist\/workers\/|\/@esbuild\/[^/]+\/bin\/esbuild --service/;

let runDir = '';

/** This run's processes, vitest's own aside. */
export function runScope(): RunScope {
  return {
    marker: { name: RUN_MARKER, value: basename(runDir) },
    root: process.pid,
    mentions: runDir,
    isRunner: (p: HostProcess) => p.ppid === process.pid && VITEST_CHILD.test(p.command),
  };
}

export function setup(): void {
  runDir = mkdtempSync(join(tmpdir(), 'kshram-tests-'));
  process.env.TMPDIR = runDir;
  process.env[RUN_MARKER] = basename(runDir);
}

export async function teardown(): Promise<void> {
  const left = await leftoversAfter(runScope(), graceMs(GRACE_MS));
  const unkillable = await endLeftovers(left);
  try {
    // a VM's folder may still be going away as the last worker exits: retry, and never fail the run for it
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (err) {
    console.warn(`could not remove ${runDir}: ${(err as Error).message}`);
  }
  if (!left.length) return;
  // vitest prints an error thrown here but would still exit 0
  process.exitCode = 1;
  const still = unkillable.length ? `\nStill alive after SIGKILL: ${unkillable.join(', ')}` : '';
  throw new Error(`${processCount(left.length)} of this test run still running after the tests (now killed):\n${describeLeftovers(left)}${still}`);
}
