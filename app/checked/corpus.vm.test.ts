import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeVariant } from '../../test/corpus/variants.js';
import { gradeSubmission, type GradeReport } from '../grade/runner.js';
import { DEFAULT_KIT, kitDir } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { SANITIZER_CASES, type SanitizerCase } from '../../test/corpus/sanitizer-cases.js';
import { CHECKED_NOTE_PREFIX } from './findings.js';
import { DEBUG_KIT } from './stress.js';

/**
 * The sanitizer corpus graded in real QEMU. On the debug kit each case
 * scores 100/100 (the course server would see nothing) and gives exactly
 * one finding, of its kind, whose frames decode to its line. On the stock
 * kernel booted --checked, the cases slub_debug can see are found there
 * too, and the rest pass unnoticed.
 */
const debugKitInstalled = existsSync(join(kitDir(DEBUG_KIT), 'kit.json'));
const work = await mkdtemp(join(tmpdir(), 'kshram-sanitizer-corpus-'));
afterAll(() => rm(work, { recursive: true, force: true }));
/** A checked grade on a busy host: build, a slow boot, eight items, kshram_tap, the kmemleak scan. */
const CASE_TIMEOUT_MS = 400_000;

/** Each item's verdict, for a failure's message. */
const itemsOf = (report: GradeReport): string => report.items.map((item) => `${item.id} ${item.status}: ${item.summary}`).join('\n');

async function gradeCase(c: SanitizerCase, kit: string): Promise<{ report: GradeReport; line: number }> {
  const dir = join(work, `${kit}-${c.name}`);
  await writeVariant({ name: c.name, description: c.description, edits: c.edits, statuses: [], evidence: /./ }, dir);
  const lines = (await readFile(join(dir, 'kshram.c'), 'utf8')).split('\n');
  const hits = lines.flatMap((text, i) => (text.includes(c.line) ? [i + 1] : []));
  expect(hits, `"${c.line}" must be on exactly one line`).toHaveLength(1);
  const report = await gradeSubmission(dir, { kit, checked: true });
  return { report, line: hits[0]! };
}

describe.skipIf(!debugKitInstalled)(`sanitizer corpus on ${DEBUG_KIT}`, () => {
  it('grades the reference 100/100 with no note', async () => {
    const report = await gradeSubmission(moduleDir, { kit: DEBUG_KIT, checked: true });
    expect(report.total, itemsOf(report)).toBe(100);
    expect(report.notes).toEqual([]);
    expect(report.checked?.findings).toEqual([]);
  }, CASE_TIMEOUT_MS);

  for (const c of SANITIZER_CASES) {
    it(`${c.name}: 100/100 and one ${c.kind} note at its line`, async () => {
      const { report, line } = await gradeCase(c, DEBUG_KIT);
      expect(report.total, itemsOf(report)).toBe(100);
      expect(report.crash).toBeUndefined();
      const findings = report.checked!.findings;
      expect(findings.map((f) => `${f.kind}: ${f.title}`)).toEqual([expect.stringMatching(new RegExp(`^${c.kind}: `))]);
      const finding = findings[0]!;
      expect(finding.title).toMatch(c.title);
      expect(finding.frames.some((f) => f.module === 'kshram')).toBe(true);
      expect(finding.site).toMatchObject({ file: 'kshram.c', line, own: true });
      expect(report.notes.filter((n) => n.startsWith(CHECKED_NOTE_PREFIX))).toEqual([expect.stringContaining(`kshram.c:${line}`)]);
    }, CASE_TIMEOUT_MS);
  }
});

/** On the stock kernel: the case slub_debug catches, and one it cannot see (the README's table has all six, measured). */
const STOCK_CASES = ['ioctl-one-past-end', 'proc-line-overflow'];

describe(`sanitizer corpus on ${DEFAULT_KIT} --checked (slub_debug=FZPU page_poison=1)`, () => {
  for (const c of SANITIZER_CASES.filter((x) => STOCK_CASES.includes(x.name))) {
    it(`${c.name}: ${c.stock ? `found as ${c.stock.kind}` : 'not seen by slub_debug'}, 100/100`, async () => {
      const { report } = await gradeCase(c, DEFAULT_KIT);
      expect(report.total, itemsOf(report)).toBe(100);
      const findings = report.checked!.findings;
      if (c.stock) {
        expect(findings.map((f) => f.kind)).toEqual([c.stock.kind]);
        expect(findings[0]!.title).toMatch(c.stock.title);
        expect(findings[0]!.frames.some((f) => f.module === 'kshram')).toBe(true);
      } else {
        expect(findings).toEqual([]);
      }
    }, CASE_TIMEOUT_MS);
  }
});
