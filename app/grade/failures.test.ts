import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { moduleDir } from '../paths.js';
import { VARIANTS, writeVariant } from './corpus/variants.js';
import { gradeSubmission } from './runner.js';

/** This file's VMs keep their sockets here, so they are found (and counted) by name. */
const ownTmp = mkdtempSync(join(tmpdir(), 'kshram-failures-'));
process.env.TMPDIR = ownTmp;

/** "Reported immediately": the verdict follows QEMU's death by well under the barrier and settle waits. */
const PROMPT_MS = 3_000;
const SHORT_LIMIT_MS = 12_000;
/** Stopping QEMU and collecting the last console lines after the deadline. */
const DEADLINE_SLACK_MS = 3_000;

function vms(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system.*${ownTmp}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('a run that cannot finish normally', () => {
  it('reports a QEMU killed from outside at once, at the item it was running', async () => {
    let killedAt = 0;
    const report = await gradeSubmission(moduleDir, {
      listener: {
        onItemStart: (id) => {
          if (id !== 5) return;
          const pids = vms();
          expect(pids).toHaveLength(1);
          process.kill(pids[0]!, 'SIGKILL');
          killedAt = Date.now();
        },
      },
    });
    const ended = Date.now();
    expect(report.items.map((i) => i.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run']);
    expect(report.items[4]!.summary).toMatch(/^QEMU exited unexpectedly \(killed by signal 9\) during /);
    expect(report.items[4]!.evidence).toContain('--- console (last lines) ---');
    expect(ended - killedAt).toBeLessThan(PROMPT_MS);
    expect(vms()).toEqual([]);
  });

  it('stops at the time limit, boot included, whatever item is running', async () => {
    const dir = join(ownTmp, 'rmmod-hangs');
    mkdirSync(dir);
    await writeVariant(VARIANTS.find((v) => v.name === 'rmmod-hangs')!, dir);
    const report = await gradeSubmission(dir, { timeLimitMs: SHORT_LIMIT_MS });
    const failed = report.items.find((i) => i.status === 'fail')!;
    expect(failed.summary).toMatch(/^The time limit of 12 s \(boot included\) ran out during /);
    expect(report.items.filter((i) => i.id > failed.id).every((i) => i.status === 'not-run')).toBe(true);
    expect(report.vmElapsedMs).toBeLessThan(SHORT_LIMIT_MS + DEADLINE_SLACK_MS);
    expect(vms()).toEqual([]);
  });

  it('cancels when asked, and stops the VM', async () => {
    const abort = new AbortController();
    const error = await gradeSubmission(moduleDir, {
      signal: abort.signal,
      listener: { onItemStart: (id) => id === 3 && abort.abort() },
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toBe('Grading was cancelled.');
    expect(vms()).toEqual([]);
  });

  it('refuses a bad time limit and a checks folder that lacks programs, before building anything', async () => {
    await expect(gradeSubmission(moduleDir, { timeLimitMs: -1 })).rejects.toThrow('The time limit must be a positive number of seconds, not -0.001.');
    const checks = join(ownTmp, 'checks');
    mkdirSync(checks);
    await expect(gradeSubmission(moduleDir, { checksDir: checks })).rejects.toThrow(`The checks directory ${checks} lacks check_msg.c, check_resize.c, check_fork.c.`);
  });
});
