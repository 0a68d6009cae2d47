import { describeBoot } from './report-text.js';
import type { BatchEntry, BatchResult } from './batch.js';
import type { ItemResult } from './checklist.js';
import { CHECKLIST } from './items/table.js';
import { firstFailure } from './report-csv.js';
import { safeText } from '../untrusted-text.js';

/**
 * report.html: one self-contained page (inline CSS, no scripts, no external
 * assets) with a table of every submission and, per student, each item's
 * points, time and evidence. Everything from a submission is escaped.
 */

export function escapeHtml(text: string): string {
  // no control character reaches the page either (untrusted-text.ts), whatever the caller passed
  return safeText(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);
const MARK = { pass: '✔', fail: '✘', 'not-run': '–' } as const;

const STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --muted: #6e7781; --line: #d0d7de; --bg: #f6f8fa; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .25rem; border-top: 1px solid var(--line); padding-top: 1rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.summary td:first-child { white-space: nowrap; }
.pass { color: var(--pass); } .fail { color: var(--fail); font-weight: 600; } .not-run { color: var(--muted); }
.error { color: var(--fail); }
.full { color: var(--pass); font-weight: 600; }
pre { background: var(--bg); border: 1px solid var(--line); padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; font-size: 12px; }
p.crash { color: var(--fail); } pre.source mark { background: #ffebe9; display: inline-block; width: 100%; }
details { margin: .25rem 0; } summary { cursor: pointer; }
ul.notes { color: var(--muted); }
a { color: inherit; }
@media print { details { display: block; } }
`;

export function batchHtml(result: BatchResult): string {
  const graded = result.entries.filter((e) => e.status === 'graded');
  const full = graded.filter((e) => e.total === e.max).length;
  const meta = [
    `${result.entries.length} submissions`,
    `${full} with full marks`,
    `${result.entries.length - graded.length} not gradable`,
    `${result.kit} (Linux ${result.kernelRelease})`,
    result.accel.toUpperCase(),
    `${result.jobs} VM${result.jobs === 1 ? '' : 's'} at a time`,
    `limit ${result.timeLimitMs / 1000} s`,
    `${result.checks === 'custom' ? 'custom' : 'built-in'} check programs`,
    `generated ${result.generatedAt}`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kshram lab grades: ${result.entries.length} submissions</title>
<style>${STYLE}</style>
</head>
<body>
<h1>kshram lab grades</h1>
<p class="meta">${escapeHtml(meta.join(' · '))}</p>
${summaryTable(result.entries)}
${result.entries.map(studentSection).join('\n')}
</body>
</html>
`;
}

const anchor = (index: number): string => `student-${index + 1}`;

function summaryTable(entries: BatchEntry[]): string {
  const head = CHECKLIST.map((item) => `<th class="num" title="${escapeHtml(item.title)}">${item.id}</th>`).join('');
  const rows = entries.map((entry, index) => {
    const name = `<td><a href="#${anchor(index)}">${escapeHtml(entry.student)}</a></td>`;
    if (entry.status === 'error') {
      return `<tr>${name}<td class="num error">error</td><td colspan="${CHECKLIST.length}" class="error">${escapeHtml(entry.error?.message ?? 'could not be graded')}</td><td class="num">${seconds(entry.elapsedMs)}</td><td></td></tr>`;
    }
    const cells = CHECKLIST.map((item) => {
      const result = entry.report!.items.find((i) => i.id === item.id);
      const status = result?.status ?? 'not-run';
      return `<td class="num ${status}" title="${escapeHtml(`${item.title}: ${status}`)}">${MARK[status]} ${result?.points ?? 0}</td>`;
    }).join('');
    const total = `<td class="num${entry.total === entry.max ? ' full' : ''}">${entry.total}/${entry.max}</td>`;
    return `<tr>${name}${total}${cells}<td class="num">${seconds(entry.elapsedMs)}</td><td>${escapeHtml(firstFailure(entry))}</td></tr>`;
  });
  return `<table class="summary">
<thead><tr><th>Student</th><th class="num">Total</th>${head}<th class="num">Time</th><th>First failure</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function studentSection(entry: BatchEntry, index: number): string {
  const facts = [entry.input, entry.kind ?? '', entry.files.length ? `files: ${entry.files.join(', ')}` : '', `${seconds(entry.elapsedMs)} in all`];
  if (entry.report) facts.push(`VM ${seconds(entry.report.vmElapsedMs)} of ${entry.report.timeLimitMs / 1000} s`, entry.report.boot ? `boot: ${describeBoot(entry.report.boot)}` : '');
  const head = `<h2 id="${anchor(index)}">${escapeHtml(entry.student)} <span class="${entry.status === 'error' ? 'error' : entry.total === entry.max ? 'full' : ''}">${entry.status === 'error' ? 'not gradable' : `${entry.total}/${entry.max}`}</span></h2>
<p class="meta">${escapeHtml(facts.filter(Boolean).join(' · '))}</p>`;
  const notes = [...entry.submissionNotes, ...(entry.report?.notes ?? [])];
  const noteList = notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  if (entry.status === 'error') {
    const error = entry.error!;
    return `<section>${head}<p class="error">${escapeHtml(error.message)}</p>${error.suggestion ? `<p>${escapeHtml(error.suggestion)}</p>` : ''}${noteList}</section>`;
  }
  const items = entry.report!.items;
  return `<section>${head}
<table class="items">
<thead><tr><th></th><th>Item</th><th class="num">Points</th><th class="num">Time</th><th>Result</th></tr></thead>
<tbody>
${items.map(itemRow).join('\n')}
</tbody>
</table>
${crashBlock(entry, index)}
${items.filter((item) => item.status !== 'not-run' && item.evidence.includes('\n')).map(evidenceBlock).join('\n')}
${noteList}
</section>`;
}

/** Where the student's code crashed: a link to the line, shown in context from the source that was built. */
function crashBlock(entry: BatchEntry, index: number): string {
  const crash = entry.report?.crash;
  const site = crash?.yourCode;
  if (!crash || !site) return '';
  const lineId = `${anchor(index)}-${site.file}-L${site.line}`;
  const excerpt = crash.excerpt
    ? `<pre class="source">${crash.excerpt.lines
        .map((text, i) => {
          const number = crash.excerpt!.firstLine + i;
          const row = `${String(number).padStart(5)}  ${escapeHtml(text)}`;
          return number === crash.excerpt!.line ? `<mark id="${escapeHtml(lineId)}">${row}</mark>` : row;
        })
        .join('\n')}</pre>`
    : '';
  return `<p class="crash">Crashed in item ${crash.item} at <a href="#${escapeHtml(lineId)}">${escapeHtml(`${site.file}:${site.line}`)}</a> in <code>${escapeHtml(site.function)}</code>${site.source ? `: <code>${escapeHtml(site.source)}</code>` : ''}${crash.task ? ` (running ${escapeHtml(crash.task)})` : ''}</p>
${excerpt}`;
}

function itemRow(item: ItemResult): string {
  return `<tr class="${item.status}"><td>${MARK[item.status]}</td><td>${item.id}. ${escapeHtml(item.title)}</td><td class="num">${item.points}/${item.max}</td><td class="num">${seconds(item.elapsedMs)}</td><td>${escapeHtml(item.summary ?? item.evidence.split('\n')[0] ?? '')}</td></tr>`;
}

function evidenceBlock(item: ItemResult): string {
  return `<details${item.status === 'fail' ? ' open' : ''}><summary>Evidence of item ${item.id} (${item.status})</summary><pre>${escapeHtml(item.evidence)}</pre></details>`;
}
