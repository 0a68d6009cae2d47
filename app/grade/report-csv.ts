import { CHECKLIST } from './items/table.js';
import { safeText } from '../untrusted-text.js';
import type { BatchEntry, BatchResult } from './batch.js';

/** Columns of results.csv, one row per submission. */
export const CSV_COLUMNS = ['student', 'submission', 'status', 'total', 'max', ...CHECKLIST.map((item) => `item${item.id}`), 'first_failure', 'error', 'elapsed_s'] as const;

/**
 * RFC 4180 quoting; a cell that a spreadsheet would run as a formula
 * (=, +, -, @ first) gets a leading apostrophe, since student-chosen file
 * names end up in cells; no control character reaches a cell (untrusted-text.ts).
 */
export function csvCell(value: string | number): string {
  let text = typeof value === 'string' ? safeText(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Why a submission lost points: its first failed item, as "5: check_msg exited with status 1: ...". */
export function firstFailure(entry: BatchEntry): string {
  const failed = entry.report?.items.find((item) => item.status === 'fail');
  return failed ? `${failed.id}: ${failed.summary ?? failed.evidence.split('\n')[0]}` : '';
}

export function batchCsv(result: BatchResult): string {
  const rows = result.entries.map((entry) => [
    entry.student,
    entry.input,
    entry.status,
    entry.total,
    entry.max,
    ...CHECKLIST.map((item) => entry.report?.items.find((i) => i.id === item.id)?.points ?? ''),
    firstFailure(entry),
    entry.error ? entry.error.message : '',
    (entry.elapsedMs / 1000).toFixed(1),
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
