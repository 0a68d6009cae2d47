import pc from 'picocolors';
import type { BatchResult } from './batch.js';
import type { ItemResult } from './checklist.js';
import { CHECKLIST } from './items/table.js';
import { firstFailure } from './report-csv.js';
import type { GradeReport } from './runner.js';

const MARK = { pass: pc.green('✔'), fail: pc.red('✘'), 'not-run': pc.dim('–') } as const;
const seconds = (ms: number | undefined): string => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** One checklist line: "✔ 5. Reload kshram; check_msg passes   20/20   0.4 s". */
export function formatItemLine(item: ItemResult): string {
  const points = `${item.points}/${item.max}`.padStart(5);
  return `${MARK[item.status]} ${item.id}. ${item.title.padEnd(50)} ${points}  ${seconds(item.elapsedMs).padStart(6)}`;
}

/** The human report: items, failed items' evidence, total, time and notes. */
export function formatReport(report: GradeReport, options: { evidence?: 'failed' | 'all' } = {}): string {
  const out: string[] = [];
  for (const item of report.items) {
    out.push(formatItemLine(item));
    const show = options.evidence === 'all' ? item.status !== 'not-run' : item.status === 'fail';
    if (show && item.evidence) out.push(indent(item.evidence));
  }
  const total = report.total === report.max ? pc.green(`${report.total}/${report.max}`) : pc.yellow(`${report.total}/${report.max}`);
  out.push('');
  out.push(`${pc.bold('Total')} ${total}   VM ${seconds(report.vmElapsedMs)} of ${report.timeLimitMs / 1000} s limit, ${seconds(report.elapsedMs)} with builds   ${report.kit} (Linux ${report.kernelRelease}), ${report.accel.toUpperCase()}, ${report.toolchain} toolchain${report.checks === 'custom' ? ', custom checks' : ''}`);
  if (report.accel === 'tcg') out.push(pc.dim(`  accelerator: TCG (${report.accelReason})`));
  out.push(pc.dim(`  boot: ${describeBoot(report.boot)}`));
  for (const note of report.notes) out.push(`${pc.yellow('note:')} ${note}`);
  return out.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((line) => pc.dim(`      │ ${line}`)).join('\n');
}

/** Longest first-failure text in the batch table; the HTML report has it all. */
const FAILURE_CHARS = 90;

/** The batch as a terminal table: one row per submission, a mark per item, the first failure. */
export function formatBatchTable(result: BatchResult): string {
  const width = Math.max(7, ...result.entries.map((e) => e.student.length));
  const head = `${'student'.padEnd(width)}  ${'total'.padStart(7)}  ${CHECKLIST.map((i) => String(i.id)).join('  ')}  ${'time'.padStart(7)}  first failure`;
  const rows = result.entries.map((entry) => {
    const name = entry.student.padEnd(width);
    const time = seconds(entry.elapsedMs).padStart(7);
    if (entry.status === 'error') return `${name}  ${pc.red('error'.padStart(7))}  ${pc.red(entry.error?.message ?? 'could not be graded')}`;
    const total = `${entry.total}/${entry.max}`.padStart(7);
    const marks = CHECKLIST.map((item) => MARK[entry.report!.items.find((i) => i.id === item.id)?.status ?? 'not-run']).join('  ');
    const failure = firstFailure(entry);
    return `${name}  ${entry.total === entry.max ? pc.green(total) : pc.yellow(total)}  ${marks}  ${time}  ${failure.length > FAILURE_CHARS ? `${failure.slice(0, FAILURE_CHARS - 1)}…` : failure}`;
  });
  const graded = result.entries.filter((e) => e.status === 'graded').length;
  const footer = `${result.entries.length} submissions: ${graded} graded, ${result.entries.length - graded} not gradable, in ${seconds(result.elapsedMs)} with ${result.jobs} VM${result.jobs === 1 ? '' : 's'} at a time (${result.kit}, ${result.accel.toUpperCase()})`;
  return [pc.bold(head), ...rows, '', footer].join('\n');
}

/** "restored from the pristine guest snapshot" or "cold (asked for (--cold-boot))". */
export function describeBoot(boot: GradeReport['boot']): string {
  return boot.start === 'snapshot' ? 'restored from the pristine guest snapshot (a cold boot saved once its agent answered)' : `cold${boot.coldBecause ? `: ${boot.coldBecause}` : ''}`;
}
