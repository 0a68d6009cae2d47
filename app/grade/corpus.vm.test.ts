import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../submissions/testing/zip-of.js';
import { moduleDir, projectRoot } from '../paths.js';
import type { BatchEntry, BatchResult } from './batch.js';
import { CHECKLIST } from './items/table.js';
import { CONTRACT_NOTE_PREFIX } from './contract.js';
import { VARIANTS, variantSource, type Variant } from '../../test/corpus/variants.js';
import { runOwned } from '../../test/owned.js';
import { CSV_COLUMNS } from './report-csv.js';
import { YOUR_CODE_SEPARATOR } from './runner.js';

/**
 * The broken-module corpus, graded the way a TA grades a class: one batch
 * run of the CLI (2 VMs at a time) over the reference, every variant and a
 * few malicious uploads, each variant packed as a folder, a .c file, a
 * .tar.gz or a .zip in turn. The test then reads results.json, results.csv
 * and report.html back and holds every case to its exact verdicts.
 */
/** The whole batch: ~20 boots two at a time plus one 15 s hang, with a wide margin for a busy host. */
const BATCH_TIMEOUT_MS = 900_000;
/** "none takes longer than its limit + 5 s". */
const OVERRUN_MS = 5_000;
const KINDS = ['folder', 'c', 'tar.gz', 'zip'] as const;

interface Malicious {
  name: string;
  file: string;
  message: RegExp;
}

let work: string;
let batchTmp: string;
let result: BatchResult;
let stderr: string;
let exitCode: number | null;
const inputs: string[] = [];
const kindOf = new Map<string, (typeof KINDS)[number]>();
const malicious: Malicious[] = [];

/** Packs a variant as the next kind in turn, the way students hand things in. */
async function pack(variant: Variant, index: number): Promise<string> {
  const kind = KINDS[index % KINDS.length]!;
  kindOf.set(variant.name, kind);
  const source = await variantSource(variant);
  sources.set(variant.name, source);
  const header = await readFile(join(moduleDir, 'kshram.h'), 'utf8');
  const dir = join(work, 'src', variant.name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kshram.c'), source);
  await writeFile(join(dir, 'kshram.h'), header);
  switch (kind) {
    case 'folder':
      return dir;
    case 'c': {
      const file = join(work, `${variant.name}.c`);
      await writeFile(file, source);
      return file;
    }
    case 'tar.gz': {
      const file = join(work, `${variant.name}.tar.gz`);
      execFileSync('tar', ['-czf', file, '-C', join(work, 'src'), variant.name]);
      return file;
    }
    case 'zip': {
      const file = join(work, `${variant.name}.zip`);
      await writeFile(file, await zipOf({ [`${variant.name}/kshram.c`]: source, [`${variant.name}/kshram.h`]: header }));
      return file;
    }
  }
}

async function maliciousUploads(): Promise<void> {
  const evil = join(work, 'evil', 'inner');
  await mkdir(evil, { recursive: true });
  await writeFile(join(evil, 'kshram.c'), '// nothing\n');
  await writeFile(join(work, 'evil', 'pwned.c'), '// outside\n');
  const traversal = join(work, 'mallory.tar.gz');
  execFileSync('tar', ['-czPf', traversal, 'kshram.c', '../pwned.c'], { cwd: evil });
  malicious.push({ name: 'mallory', file: traversal, message: /^mallory\.tar\.gz: the entry "\.\.\/pwned\.c" climbs out of the archive with "\.\." \(path traversal\); nothing was unpacked$/ });

  const noSource = join(work, 'nosource.zip');
  await writeFile(noSource, await zipOf({ 'lab05/main.c': '// wrong name\n', 'lab05/README': 'hi\n' }));
  malicious.push({ name: 'nosource', file: noSource, message: /^nosource\.zip: there is no kshram\.c \(C files found: lab05\/main\.c\)$/ });

  const hugeDir = join(work, 'huge');
  await mkdir(hugeDir);
  await writeFile(join(hugeDir, 'kshram.c'), '// fine\n');
  await writeFile(join(hugeDir, 'core'), '');
  await truncate(join(hugeDir, 'core'), 20 * 1024 * 1024);
  const huge = join(work, 'hugefile.tar.gz');
  execFileSync('tar', ['-czf', huge, '-C', hugeDir, 'kshram.c', 'core']);
  malicious.push({ name: 'hugefile', file: huge, message: /^hugefile\.tar\.gz: core is a huge file \(20\.0 MiB; limit 8\.0 MiB per file\)$/ });

  const linkDir = join(work, 'linky');
  await mkdir(linkDir);
  await copyFile(join(moduleDir, 'kshram.c'), join(linkDir, 'kshram.c'));
  await symlink('/etc/shadow', join(linkDir, 'kshram.h'));
  malicious.push({ name: 'linky', file: linkDir, message: /^linky: kshram\.h is a link to \/etc\/shadow, outside the submission$/ });
}

const entry = (student: string): BatchEntry => {
  const found = result.entries.find((e) => e.student === student);
  expect(found, `a row for ${student}`).toBeDefined();
  return found!;
};

/** "your code: kshram.c:183 `...` in kshram_mmap — " at the start of a crashed item's evidence. */
const YOUR_CODE_LEAD = new RegExp(`^your code: .*? ${YOUR_CODE_SEPARATOR} `);
/** A helper's line is followed by the student's calls it was inlined into. */
const INLINED_INTO = '(?:, inlined into \\w+ at kshram\\.c:\\d+)*';
/** Each variant's kshram.c, as graded. */
const sources = new Map<string, string>();

/** 1-based number of the only line within function `fn` of `source` that contains `text`. */
function lineIn(source: string, fn: string, text: string): number {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\w.*\\b${fn}\\(`).test(l));
  const end = lines.findIndex((l, i) => i > start && l === '}');
  const hits = lines.flatMap((l, i) => (start >= 0 && i > start && i < end && l.includes(text) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${JSON.stringify(text)} is on ${hits.length} lines of ${fn}`);
  return hits[0]!;
}

/** A small RFC 4180 reader: quoted cells with doubled quotes and commas. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    }
    else if (c === '\r') continue;
    else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    }
    else cell += c;
  }
  return rows;
}

describe('the broken-module corpus, graded as a batch', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kshram-corpus-'));
    // the CLI's VMs keep their sockets here, so a leftover QEMU of this batch is found by name
    batchTmp = join(work, 'tmp');
    await mkdir(batchTmp);
    const reference = join(work, 'src', 'reference');
    await mkdir(reference, { recursive: true });
    await copyFile(join(moduleDir, 'kshram.c'), join(reference, 'kshram.c'));
    await copyFile(join(moduleDir, 'kshram.h'), join(reference, 'kshram.h'));
    inputs.push(reference);
    for (const [index, variant] of VARIANTS.entries()) inputs.push(await pack(variant, index));
    await maliciousUploads();
    inputs.push(...malicious.map((m) => m.file));

    const started = Date.now();
    const run = await runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', ...inputs, '--jobs', '2', '--report', join(work, 'out'), '--json'], {
      env: { ...process.env, TMPDIR: batchTmp, NO_COLOR: '1' },
      timeoutMs: BATCH_TIMEOUT_MS,
    });
    exitCode = run.code;
    stderr = run.stderr;
    result = JSON.parse(run.stdout) as BatchResult;
    const wall = Date.now() - started;

    // per-case wall time, for the CI log
    const rows = result.entries.map((e) => {
      const statuses = e.report ? e.report.items.map((i) => i.status[0]).join('') : 'error';
      return `${e.student.padEnd(28)} ${(kindOf.get(e.student) ?? (e.student === 'reference' ? 'folder' : 'upload')).padEnd(7)} ${statuses.padEnd(9)} ${String(e.total).padStart(3)}  ${(e.elapsedMs / 1000).toFixed(1).padStart(6)} s`;
    });
    console.log(`corpus: ${result.entries.length} submissions in ${(wall / 1000).toFixed(1)} s with --jobs 2\n${rows.join('\n')}`);
  }, BATCH_TIMEOUT_MS);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('grades every submission, reports the broken ones and leaves no VM running', () => {
    expect(result.entries).toHaveLength(1 + VARIANTS.length + malicious.length);
    expect(result.entries.length).toBeGreaterThanOrEqual(11);
    expect(result.jobs).toBe(2);
    expect(exitCode).toBe(1);
    // plain progress lines when stderr is not a terminal, one per submission
    expect(stderr.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l))).toHaveLength(result.entries.length);
    let left = '';
    try {
      left = execFileSync('pgrep', ['-af', `qemu-system.*${batchTmp}`], { encoding: 'utf8' });
    } catch {
      // pgrep exits 1 when nothing matches
    }
    expect(left).toBe('');
  });

  it('gives the reference 100/100 with no notes', () => {
    const reference = entry('reference');
    expect(reference.status).toBe('graded');
    expect(reference.total).toBe(100);
    expect(reference.report!.notes).toEqual([]);
    expect(reference.report!.crash).toBeUndefined();
  });

  for (const variant of VARIANTS) {
    it(`${variant.name}: ${variant.description}`, () => {
      const graded = entry(variant.name);
      expect(graded.error).toBeUndefined();
      const report = graded.report!;
      expect(report.items.map((i) => i.status)).toEqual(variant.statuses);
      expect(graded.total).toBe(report.items.filter((i) => i.status === 'pass').reduce((sum, i) => sum + i.max, 0));
      const failed = report.items.find((i) => i.status === 'fail');
      const shown = failed ?? report.items.find((i) => i.id === variant.evidenceItem)!;
      // a guest that froze has no crash report: QEMU's registers place the student's line instead
      const froze = variant.frozen && !report.crash;
      if (froze) {
        expect(shown.evidence.replace(YOUR_CODE_LEAD, '')).toMatch(variant.frozen!.evidence);
        const lead = new RegExp(`^your code: kshram\\.c:(\\d+) \`[^\`]*\` in ${variant.frozen!.at.function}${INLINED_INTO} ${YOUR_CODE_SEPARATOR} `).exec(shown.evidence);
        expect(lead, 'the frozen CPU decoded to the student\'s code').not.toBeNull();
        const lines = variant.frozen!.at.lines.map((text) => lineIn(sources.get(variant.name)!, variant.frozen!.at.function, text));
        expect(lines).toContain(Number(lead![1]));
      }
      // a crash's evidence starts with the student's line (asserted below), then the kernel's report
      else expect(shown.evidence.replace(YOUR_CODE_LEAD, '')).toMatch(variant.evidence);
      expect(shown.summary).toBe(shown.evidence.split('\n')[0]);
      for (const item of report.items.filter((i) => i.status === 'not-run')) expect(item.points).toBe(0);
      // notes from kshram_tap (beyond the course's checks) may cascade: the expected ones must be there;
      // every other note is expected exactly
      const contract = report.notes.filter((n) => n.startsWith(CONTRACT_NOTE_PREFIX));
      const expectedContract = (variant.notes ?? []).filter((p) => p.source.startsWith(': not ok'));
      expect(report.notes.length - contract.length, report.notes.join('\n')).toBe((variant.notes?.length ?? 0) - expectedContract.length);
      if (!expectedContract.length) expect(contract).toEqual([]);
      for (const note of variant.notes ?? []) expect(report.notes.some((n) => note.test(n)), `a note matching ${note}`).toBe(true);
      if (variant.crash && !froze) expect(report.crash).toMatchObject({ kind: variant.crash, item: failed!.id });
      else expect(report.crash).toBeUndefined();
      if (variant.crashAt && !froze) {
        // decoded from the .ko the run loaded: the exact file, line and function, in JSON and in the evidence
        const lines = variant.crashAt.lines.map((text) => lineIn(sources.get(variant.name)!, variant.crashAt!.function, text));
        const yourCode = report.crash!.yourCode!;
        expect(yourCode, 'the crash decoded to the student\'s code').toBeDefined();
        expect(yourCode).toMatchObject({ file: 'kshram.c', function: variant.crashAt.function });
        expect(lines).toContain(yourCode.line);
        expect(report.crash!.frames.some((f) => f.module === 'kshram' && [f, ...f.inlinedFrom].some((site) => site.file === 'kshram.c' && site.line === yourCode.line))).toBe(true);
        const into = (yourCode.inlinedInto ?? []).map((call) => `, inlined into ${call.function} at ${call.file}:${call.line}`).join('');
        expect(failed!.evidence.startsWith(`your code: kshram.c:${yourCode.line} \`${yourCode.source}\` in ${variant.crashAt.function}${into} ${YOUR_CODE_SEPARATOR} `)).toBe(true);
        expect(report.crash!.decodeProblems).toBeUndefined();
      } else if (report.crash) expect(report.crash.yourCode).toBeUndefined();
      expect(graded.elapsedMs).toBeLessThanOrEqual(report.timeLimitMs + OVERRUN_MS);
      expect(report.vmElapsedMs).toBeLessThanOrEqual(report.timeLimitMs + OVERRUN_MS);
    });
  }

  it('reports a hang at its step limit and an endless loop at the kernel watchdog, not at the time limit', () => {
    // rmmod's limit is 15 s; after it SIGKILL gets 2 s, a console barrier up to 3 s and the task scan up to 5 s
    expect(entry('rmmod-hangs').report!.items[3]!.elapsedMs).toBeLessThanOrEqual(15_000 + 2_000 + 3_000 + 5_000 + OVERRUN_MS);
    // watchdog_thresh=4: the kernel reports a CPU stuck for 8 s
    expect(entry('endless-loop-in-ioctl').report!.items[5]!.elapsedMs).toBeLessThanOrEqual(8_000 + 3 * OVERRUN_MS);
    // with interrupts off only RCU notices, after 21 s: still before check_resize's 40 s limit
    // (unless the guest froze: then only the limit ends it, see variants.ts)
    const irqsOff = entry('irqs-off-loop').report!;
    if (irqsOff.crash) expect(irqsOff.items[5]!.elapsedMs).toBeLessThan(40_000);
  });

  it('turns away malicious and broken uploads with a reason each, grading the rest', () => {
    for (const upload of malicious) {
      const row = entry(upload.name);
      expect(row.status).toBe('error');
      expect(row.error!.code).toBe('SUBMISSION_INVALID');
      expect(row.error!.message).toMatch(upload.message);
      expect(row.total).toBe(0);
    }
  });

  it('writes results.json, results.csv and report.html that say the same', async () => {
    const json = JSON.parse(await readFile(join(work, 'out', 'results.json'), 'utf8')) as BatchResult;
    expect(json.entries.map((e) => [e.student, e.status, e.total])).toEqual(result.entries.map((e) => [e.student, e.status, e.total]));

    const csv = parseCsv(await readFile(join(work, 'out', 'results.csv'), 'utf8'));
    expect(csv[0]).toEqual([...CSV_COLUMNS]);
    expect(csv).toHaveLength(result.entries.length + 1);
    for (const [i, e] of result.entries.entries()) {
      const row = Object.fromEntries(CSV_COLUMNS.map((column, c) => [column, csv[i + 1]![c]!]));
      expect(row.student).toBe(e.student);
      expect(row.status).toBe(e.status);
      expect(Number(row.total)).toBe(e.total);
      if (e.report) {
        expect(CHECKLIST.map((item) => Number(row[`item${item.id}`]))).toEqual(e.report.items.map((item) => item.points));
        const failed = e.report.items.find((item) => item.status === 'fail');
        expect(row.first_failure).toBe(failed ? `${failed.id}: ${failed.summary}` : '');
      } else {
        expect(row.error).toBe(e.error!.message);
      }
    }

    const html = await readFile(join(work, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // self-contained: nothing to fetch, nothing to run
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(|https?:\/\//i);
    for (const e of result.entries) expect(html).toContain(`>${e.student}</a>`);
    expect(html).toContain('Kernel Oops in kshram_exit+');
    // the crash's line is linked to the source shown around it
    const mmapLine = entry('oops-in-mmap').report!.crash!.yourCode!.line;
    const index = result.entries.findIndex((e) => e.student === 'oops-in-mmap') + 1;
    expect(html).toContain(`at <a href="#student-${index}-kshram.c-L${mmapLine}">kshram.c:${mmapLine}</a> in <code>kshram_mmap</code>: <code>mutex_lock(&amp;slot-&gt;lock);</code> (running check_msg)`);
    expect(html).toMatch(new RegExp(`<mark id="student-${index}-kshram\\.c-L${mmapLine}">\\s*${mmapLine}  \tmutex_lock\\(&amp;slot-&gt;lock\\);</mark>`));
    expect(html).toContain('mallory.tar.gz: the entry &quot;../pwned.c&quot; climbs out of the archive');
    expect(html).toContain('--- stuck in the kernel ---');
  });
});
