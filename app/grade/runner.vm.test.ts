import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { VARIANTS, writeVariant } from '../../test/corpus/variants.js';
import { gradeSubmission, YOUR_CODE_SEPARATOR, type GradeReport } from './runner.js';

/** This file's VMs keep their sockets here, so leftovers are ours alone. */
const ownTmp = mkdtempSync(join(tmpdir(), 'kshram-runner-'));
process.env.TMPDIR = ownTmp;

const RUNS = 5;
/** Two VMs at a time, as on the 2-core CI machine. */
const PARALLEL = 2;
const DETERMINISM_TIMEOUT_MS = 600_000;

async function gradeTimes(dir: string, times: number): Promise<GradeReport[]> {
  const reports: GradeReport[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < times) {
      next++;
      reports.push(await gradeSubmission(dir));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return reports;
}

/** What must not change between runs: each item's status, points and one-line reason (times aside). */
const verdicts = (report: GradeReport): string[] => report.items.map((i) => `${i.id} ${i.status} ${i.points} ${(i.summary ?? '').replace(/\d+\.\d+ s\b/g, 'N s')}`);

const ptys = (): number => readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === '/dev/ptmx';
  } catch {
    return false;
  }
}).length;

function vmsLeft(): string {
  try {
    return execFileSync('pgrep', ['-af', `qemu-system.*${ownTmp}`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

describe('grading on a real QEMU boot is deterministic', () => {
  it(`gives the reference module 100/100 ${RUNS} times, with the same verdicts, and leaves no VM or pty behind`, async () => {
    const ptysBefore = ptys();
    const reports = await gradeTimes(moduleDir, RUNS);
    for (const report of reports) {
      expect(report.items.map((i) => [i.id, i.status, i.points])).toEqual([
        [1, 'pass', 10],
        [2, 'pass', 10],
        [3, 'pass', 10],
        [4, 'pass', 5],
        [5, 'pass', 20],
        [6, 'pass', 20],
        [7, 'pass', 20],
        [8, 'pass', 5],
      ]);
      expect(report.total).toBe(100);
      expect(report.vmElapsedMs).toBeLessThan(report.timeLimitMs);
      expect(report.items[0]!.evidence).toMatch(/^Linux 6\.\S+ booted to its shell in [\d.]+ s \((TCG|KVM)\)$/);
      expect(report.items[4]!.evidence).toContain('the message persisted between runs');
      expect(report.notes).toEqual([]);
      expect(report.crash).toBeUndefined();
    }
    expect(new Set(reports.map((r) => verdicts(r).join('\n'))).size).toBe(1);
    expect(vmsLeft()).toBe('');
    expect(ptys()).toBe(ptysBefore);
  }, DETERMINISM_TIMEOUT_MS);

  it(`gives a module that panics in an ioctl the same verdicts and evidence ${RUNS} times`, async () => {
    const variant = VARIANTS.find((v) => v.name === 'panic-in-ioctl')!;
    const dir = join(ownTmp, 'panic-in-ioctl');
    mkdirSync(dir);
    await writeVariant(variant, dir);
    const reports = await gradeTimes(dir, RUNS);
    for (const report of reports) {
      expect(report.items.map((i) => i.status)).toEqual(variant.statuses);
      // the evidence leads with the student's line, then the kernel's words
      const lead = new RegExp(`^your code: kshram\\.c:\\d+ \`panic\\(.*?\` in kshram_\\w+(?:, inlined into \\w+ at kshram\\.c:\\d+)* ${YOUR_CODE_SEPARATOR} `);
      expect(report.items[5]!.evidence).toMatch(lead);
      expect(report.items[5]!.evidence.replace(lead, '')).toMatch(variant.evidence);
      expect(report.crash).toMatchObject({ kind: 'panic', item: 6 });
    }
    expect(new Set(reports.map((r) => verdicts(r).join('\n'))).size).toBe(1);
    expect(new Set(reports.map((r) => r.crash!.summary)).size).toBe(1);
    expect(vmsLeft()).toBe('');
  }, DETERMINISM_TIMEOUT_MS);
});
