import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabErrorData } from '../errors.js';
import { LabSession } from './session.js';

/** This file's VMs keep their sockets here, so they are found (and counted) by name. */
const ownTmp = mkdtempSync(join(tmpdir(), 'kshram-busy-'));
process.env.TMPDIR = ownTmp;
/** QEMU is gone within a moment of its SIGKILL. */
const EXIT_GRACE_MS = 5_000;

function vms(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system.*${ownTmp}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function vmsAfterExit(): Promise<number[]> {
  const deadline = Date.now() + EXIT_GRACE_MS;
  while (vms().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return vms();
}

const codeOf = (outcome: PromiseSettledResult<unknown>): string => (outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as LabErrorData).code);

describe('one VM-owning operation at a time', () => {
  const session = new LabSession();

  afterAll(async () => {
    await session.dispose();
    await rm(ownTmp, { recursive: true, force: true });
  });

  it('answers BUSY to a second boot or a grade while a boot runs: one VM, none after dispose', async () => {
    await session.createWorkspace(join(ownTmp, 'lab'), 'reference');
    // all three are called before any of them awaits: a double click, then an impatient Grade
    const outcomes = await Promise.allSettled([session.boot({ cols: 80, rows: 24, loadModule: false }), session.boot({ cols: 80, rows: 24, loadModule: false }), session.grade()]);
    expect(outcomes.map(codeOf)).toEqual(['ok', 'BUSY', 'BUSY']);
    expect((await session.state()).vm.phase).toBe('running');
    expect(vms()).toHaveLength(1);
    // once the boot is done, a boot again is no new VM: the running one is the answer
    await session.boot({ cols: 80, rows: 24, loadModule: false });
    expect(vms()).toHaveLength(1);
    await session.dispose();
    expect(await vmsAfterExit()).toEqual([]);
  });
});
