import { csvCell, CSV_COLUMNS } from '../grade/report-csv.js';
import { CHECKLIST } from '../grade/items/table.js';
import type { GradeReportJson, SubmissionView } from './contract.js';

/**
 * The class as `grade --report`'s results.csv: the same columns, one row
 * per student (their latest submission), so a TA's spreadsheet takes
 * either file.
 */
export function classCsv(latest: ReadonlyArray<{ view: SubmissionView; result?: GradeReportJson }>): string {
  const rows = latest.map(({ view, result }) => {
    const failed = result?.items.find((item) => item.status === 'fail');
    return [
      view.student,
      view.fileName,
      view.state === 'graded' ? 'graded' : view.state,
      view.total ?? 0,
      view.max,
      ...CHECKLIST.map((item) => result?.items.find((i) => i.id === item.id)?.points ?? ''),
      failed ? `${failed.id}: ${failed.summary ?? failed.evidence.split('\n')[0]}` : '',
      view.error?.message ?? '',
      result ? (result.elapsedMs / 1000).toFixed(1) : '',
    ];
  });
  return [CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
