import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { VARIANTS, writeVariant } from './corpus/variants.js';
import { gradeSubmission } from './runner.js';

describe('grading on a real QEMU boot', () => {
  it('gives the reference module 100/100 within the time limit', async () => {
    const report = await gradeSubmission(moduleDir);
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
  });

  for (const variant of VARIANTS.filter((v) => ['seven-devices', 'does-not-compile'].includes(v.name))) {
    it(`fails exactly the expected items of a module that ${variant.description}`, async () => {
      const dir = await writeVariant(variant, join(await mkdtemp(join(tmpdir(), 'kshram-variant-')), variant.name));
      const report = await gradeSubmission(dir);
      expect(report.items.map((i) => i.status)).toEqual(variant.statuses);
      const failed = report.items.find((i) => i.status === 'fail')!;
      expect(failed.evidence).toMatch(variant.evidence);
      expect(report.total).toBe(report.items.filter((i) => i.status === 'pass').reduce((sum, i) => sum + i.max, 0));
    });
  }
});
