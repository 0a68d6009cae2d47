import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { moduleDir } from '../paths.js';
import { writeVariant, type Variant } from '../../test/corpus/variants.js';
import { gradeSubmission } from './runner.js';
import { TIMEOUTS } from '../timeouts.js';

/** This file's VMs keep their sockets here, so they are found (and counted) by name. */
const ownTmp = mkdtempSync(join(tmpdir(), 'kshram-failures-'));
process.env.TMPDIR = ownTmp;

/**
 * "Reported at once": item 5 runs insmod, which has no limit of its own, so
 * a grader that missed QEMU's death would wait for the run's 120 s limit.
 * Far below that, far above the moment it takes (under a second on an
 * idle host, seconds when other VMs and builds share its two cores).
 */
const PROMPT_MS = 20_000;
/**
 * Items 1 and 2 must pass within it, boot included: a boot takes ~5 s on an
 * idle host, and build, boot and delivery took 23-25 s with other VMs and
 * builds on the two cores (25 s was the limit here before); short enough for CI.
 */
const SHORT_LIMIT_MS = 45_000;
/**
 * After the deadline: the stuck task's stack (TIMEOUTS.deadlineScanMs), the
 * item's kernel log (TIMEOUTS.dmesgMs, then the agent's 2 s kill grace) and
 * stopping QEMU, with room for a loaded host.
 */
const DEADLINE_SLACK_MS = TIMEOUTS.deadlineScanMs + TIMEOUTS.dmesgMs + 2_000 + 5_000;

function vms(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system.*${ownTmp}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** True once QEMU `pid` has created the agent's socket its command line names. */
function agentSocketOf(pid: number): boolean {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const socket = args.map((a) => /^unix:([^,]+agent\.sock),/.exec(a)?.[1]).find(Boolean);
  return !!socket && existsSync(socket);
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

  it('grades on a fresh VM when the first one dies while booting, before any module was loaded', async () => {
    let killed = 0;
    const report = await gradeSubmission(moduleDir, {
      listener: {
        // the VM is booting while kshram.c builds; this is right after the build
        onStage: (stage) => {
          if (stage !== 'boot' || killed) return;
          const pids = vms();
          expect(pids).toHaveLength(1);
          process.kill(pids[0]!, 'SIGKILL');
          killed++;
        },
      },
    });
    expect(killed).toBe(1);
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    expect(report.total).toBe(100);
    expect(report.notes).toEqual([expect.stringMatching(/^boot: the first VM failed while booting, before any module was loaded \(QEMU exited unexpectedly \(killed by signal 9\) during \(boot\)\); graded on a fresh one$/)]);
    expect(vms()).toEqual([]);
  });

  it('fails item 1 when the fresh VM dies while booting too', async () => {
    // each VM dies a second after QEMU made its agent socket: booting, past QEMU's own start-up
    const kills: number[] = [];
    const seen = new Map<number, number>();
    const killer = setInterval(() => {
      for (const pid of vms()) {
        if (kills.includes(pid) || !agentSocketOf(pid)) continue;
        if (!seen.has(pid)) seen.set(pid, Date.now());
        if (Date.now() - seen.get(pid)! < 1_000) continue;
        kills.push(pid);
        process.kill(pid, 'SIGKILL');
      }
    }, 100);
    try {
      // cold: a restored guest is up in a few tenths of a second, too short a window to die in on cue
      const report = await gradeSubmission(moduleDir, { coldBoot: true });
      expect(kills).toHaveLength(2);
      expect(report.items.map((i) => i.status)).toEqual(['fail', ...Array(7).fill('not-run')]);
      expect(report.items[0]!.summary).toMatch(/^QEMU exited unexpectedly \(killed by signal 9\) during \(boot\)/);
      expect(report.notes.filter((n) => n.startsWith('boot: '))).toHaveLength(1);
    } finally {
      clearInterval(killer);
    }
    expect(vms()).toEqual([]);
  });

  it('stops an init that never returns at the time limit, boot included, and says where it sleeps', async () => {
    // insmod has no limit of its own (a slow init passes on the course server): only the run's limit stops it
    const hungInit: Variant = {
      name: 'hung-init',
      description: 'sleeps ten minutes in init',
      edits: [
        ['#include <linux/cdev.h>\n', '#include <linux/cdev.h>\n#include <linux/delay.h>\n'],
        ['\tpr_info("%d slots of %d bytes ready\\n"', '\tmsleep(600000);\n\tpr_info("%d slots of %d bytes ready\\n"'],
      ],
      statuses: [],
      evidence: /./,
    };
    const dir = join(ownTmp, 'hung-init');
    mkdirSync(dir);
    await writeVariant(hungInit, dir);
    const report = await gradeSubmission(dir, { timeLimitMs: SHORT_LIMIT_MS });
    expect(report.items.map((i) => i.status)).toEqual(['pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run', 'not-run', 'not-run']);
    // the student's line first: where the task sleeps, decoded from the loaded .ko
    expect(report.items[2]!.summary).toMatch(new RegExp(`^your code: kshram\\.c:\\d+ \`msleep\\(600000\\);\` in kshram_init — The time limit of ${SHORT_LIMIT_MS / 1000} s \\(boot included\\) ran out during insmod /lib/kshram/kshram\\.ko: insmod was in kshram_init\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[kshram\\]$`));
    expect(report.items[2]!.evidence).toMatch(/--- still running ---\ninsmod \(pid \d+, D \(disk sleep\)\) in kshram_init\+/);
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
    expect((error as LabError).toJSON()).toMatchObject({ code: 'CANCELLED', message: 'Grading was cancelled.' });
    expect(vms()).toEqual([]);
  });

  it('refuses a bad time limit and a checks folder that lacks programs, before building anything', async () => {
    await expect(gradeSubmission(moduleDir, { timeLimitMs: -1 })).rejects.toThrow('The time limit must be a positive number of seconds, not -0.001.');
    const checks = join(ownTmp, 'checks');
    mkdirSync(checks);
    await expect(gradeSubmission(moduleDir, { checksDir: checks })).rejects.toThrow(`The checks directory ${checks} lacks check_msg.c (or a static check_msg), check_resize.c (or a static check_resize), check_fork.c (or a static check_fork).`);
  });
});
