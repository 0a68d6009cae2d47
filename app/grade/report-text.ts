import pc from 'picocolors';
import type { ItemResult } from './checklist.js';
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
  for (const note of report.notes) out.push(`${pc.yellow('note:')} ${note}`);
  return out.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((line) => pc.dim(`      │ ${line}`)).join('\n');
}
