import { describe, expect, it } from 'vitest';
import type { BatchEntry, BatchResult } from './batch.js';
import type { ItemStatus } from './checklist.js';
import { CHECKLIST } from './items/table.js';
import { batchCsv, csvCell } from './report-csv.js';
import { batchHtml, escapeHtml } from './report-html.js';
import { formatBatchTable } from './report-text.js';
import type { GradeReport } from './runner.js';

function graded(student: string, statuses: ItemStatus[], failure = ''): BatchEntry {
  const items = CHECKLIST.map((item, i) => {
    const status = statuses[i]!;
    const summary = status === 'fail' ? failure : status === 'pass' ? 'ok' : 'not run: an earlier item failed';
    return { id: item.id, title: item.title, max: item.max, points: status === 'pass' ? item.max : 0, status, summary, evidence: `${summary}\n$ cmd\n<output> & "quotes"`, elapsedMs: 100 };
  });
  const total = items.reduce((sum, i) => sum + i.points, 0);
  const report = { total, max: 100, items, notes: ['a <note>'], vmElapsedMs: 5000, timeLimitMs: 120_000 } as unknown as GradeReport;
  return { student, input: `/subs/${student}.zip`, kind: 'zip', status: 'graded', total, max: 100, elapsedMs: 6400, files: ['kshram.c'], submissionNotes: [], report };
}

const RESULT: BatchResult = {
  generatedAt: '2026-11-25T12:00:00.000Z',
  kit: 'debian-6.1',
  kernelRelease: '6.1.0-56-amd64',
  accel: 'tcg',
  toolchain: 'native',
  checks: 'builtin',
  jobs: 2,
  timeLimitMs: 120_000,
  elapsedMs: 13_000,
  entries: [
    graded('alice', ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']),
    graded('=HYPERLINK("x"),<script>alert(1)</script>', ['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'not-run', 'not-run'], 'check_resize exited with status 1: FAILED: kshram0 size 4096 incorrect, expected 1052672'),
    { student: 'mallory', input: '/subs/mallory.tar.gz', status: 'error', total: 0, max: 100, elapsedMs: 3, files: [], submissionNotes: [], error: { code: 'SUBMISSION_INVALID', message: 'mallory.tar.gz: the entry "../x" climbs out', suggestion: 'Archive with relative paths.' } },
  ],
};

// the second student's check_resize crashed on a line of theirs, which holds markup
(RESULT.entries[1]!.report as GradeReport).crash = {
  kind: 'oops',
  item: 6,
  summary: 'Kernel Oops in kshram_ioctl+0x49/0xd9 [kshram]: BUG: kernel NULL pointer dereference',
  task: 'check_resize',
  yourCode: { function: 'kshram_ioctl', file: 'kshram.c', line: 12, source: '*p = 0; /* </pre><script>x</script> */', own: true },
  excerpt: { file: 'kshram.c', line: 12, firstLine: 11, lines: ['{', '\t*p = 0; /* </pre><script>x</script> */', '}'] },
  frames: [],
};

describe('batch reports', () => {
  it('quotes CSV cells and defuses spreadsheet formulas in student-chosen names', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b "c"')).toBe('"a,b ""c"""');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell(-2)).toBe('-2');
    const lines = batchCsv(RESULT).split('\r\n');
    expect(lines[0]).toBe('student,submission,status,total,max,item1,item2,item3,item4,item5,item6,item7,item8,first_failure,error,elapsed_s');
    expect(lines[1]).toBe('alice,/subs/alice.zip,graded,100,100,10,10,10,5,20,20,20,5,,,6.4');
    expect(lines[2]).toBe(`"'=HYPERLINK(""x""),<script>alert(1)</script>","/subs/=HYPERLINK(""x""),<script>alert(1)</script>.zip",graded,55,100,10,10,10,5,20,0,0,0,"6: check_resize exited with status 1: FAILED: kshram0 size 4096 incorrect, expected 1052672",,6.4`);
    expect(lines[3]).toBe('mallory,/subs/mallory.tar.gz,error,0,100,,,,,,,,,,"mallory.tar.gz: the entry ""../x"" climbs out",0.0');
    expect(lines[4]).toBe('');
  });

  it('escapes everything in the HTML report and fetches nothing', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = batchHtml(RESULT);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|url\(|https?:\/\//i);
    expect(html).toContain('&lt;output&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('<li>a &lt;note&gt;</li>');
    expect(html).toContain('mallory.tar.gz: the entry &quot;../x&quot; climbs out');
    // one section per student, linked from the table; a failed item's evidence is open
    expect(html.match(/<section>/g)).toHaveLength(3);
    expect(html).toContain('<a href="#student-3">mallory</a>');
    expect(html).toContain('<details open><summary>Evidence of item 6 (fail)</summary>');
    // a crash links its line, shown in context
    expect(html).toContain('Crashed in item 6 at <a href="#student-2-kshram.c-L12">kshram.c:12</a> in <code>kshram_ioctl</code>: <code>*p = 0; /* &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt; */</code> (running check_resize)');
    expect(html).toContain('<mark id="student-2-kshram.c-L12">   12  \t*p = 0; /* &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt; */</mark>');
  });

  it('prints the batch as a table with the first failure', () => {
    const table = formatBatchTable(RESULT).replace(/\x1b\[[0-9;]*m/g, '');
    expect(table).toContain('alice');
    expect(table).toMatch(/100\/100 {2}✔ {2}✔ {2}✔ {2}✔ {2}✔ {2}✔ {2}✔ {2}✔ {4}6\.4 s/);
    // long reasons are cut for the terminal; the reports keep them whole
    expect(table).toContain('6: check_resize exited with status 1: FAILED: kshram0 size 4096 incorrect, expected 10526…');
    expect(table).toMatch(/mallory +error  mallory\.tar\.gz: the entry "\.\.\/x" climbs out/);
    expect(table).toContain('3 submissions: 2 graded, 1 not gradable, in 13.0 s with 2 VMs at a time (debian-6.1, TCG)');
  });
});
