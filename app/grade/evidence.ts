import type { CommandResult } from '../agent/agent.js';
import { describeCrash, readableReport, type CrashReport } from '../vm/crash.js';
import { consoleLines, isDumpLine, kernelPart, parseFrame } from '../vm/kernel-log.js';
import { isSyncLine, itemStartIndex } from '../guest-run/console-markers.js';

/** Lines of a command's output kept in an item's evidence. */
const OUTPUT_LINES = 40;
/** Kernel messages of one item kept in its evidence: the last ones matter most. */
const KERNEL_LOG_LINES = 30;

export function lastLines(text: string, n: number): string {
  return text.replace(/\r/g, '').trimEnd().split('\n').slice(-n).join('\n');
}

/** "$ command\noutput\n[exit 0, 0.1 s]" for evidence. */
export function transcript(command: string, result: CommandResult, note?: string): string {
  const status = result.timedOut ? 'timed out' : result.status === null ? 'no exit status' : `exit ${result.status}`;
  const output = result.output.trim() ? `${lastLines(result.output, OUTPUT_LINES)}\n` : '';
  return `$ ${command}\n${output}[${status}, ${(result.elapsedMs / 1000).toFixed(1)} s${note ? `; ${note}` : ''}]`;
}

/** A command cut short by a crash, QEMU exiting or the deadline: what it printed until then. */
export function interrupted(command: string, output: string, what: string): string {
  return `$ ${command}\n${output.trim() ? `${lastLines(output, OUTPUT_LINES)}\n` : ''}[${what}]`;
}

/** The console's last lines without escape sequences and the grader's barriers. */
export function consoleTail(console: string, n: number): string {
  const lines = consoleLines(console).filter((line) => !isSyncLine(line));
  return lines.slice(-n).join('\n').trimEnd();
}

export function crashEvidence(crash: CrashReport): string {
  return `--- kernel report ---\n${readableReport(crash)}`;
}

export { describeCrash };

/**
 * Stack dumps without a crash (sysfs duplicate warnings and the like): the
 * message before them and the module's own frames tell the story, kernel
 * frames, guesses ("? ") and markers do not.
 */
const TRACE_NOISE = /^\[[^\]]+\]\s+(\? |<\/?(TASK|IRQ)>$|Call Trace:|Hardware name:|RIP: 0033:)/;

function isTraceNoise(line: string): boolean {
  if (TRACE_NOISE.test(line)) return true;
  const frame = parseFrame(line);
  return !!frame && !frame.module;
}

/**
 * The kernel's messages on the console since item `id` began (its
 * "kshram-lab: item N:" marker), without the grader's barriers, register
 * dumps and shell noise. With `before`, lines from that text on (a crash
 * report shown on its own) are left out.
 */
export function itemKernelLog(console: string, id: number, before?: string): string {
  const lines = consoleLines(console);
  const start = itemStartIndex(lines, id);
  if (start < 0) return '';
  let end = lines.length;
  if (before) {
    const at = lines.findIndex((line, i) => i >= start && line.includes(before));
    if (at >= 0) end = at;
  }
  const kept = lines
    .slice(start, end)
    // a kernel line can follow a shell prompt on the same console line
    .map(kernelPart)
    .filter((line) => line && !isSyncLine(line) && !isDumpLine(line) && !isTraceNoise(line));
  if (kept.length <= KERNEL_LOG_LINES) return kept.join('\n');
  return [`(${kept.length - KERNEL_LOG_LINES} earlier lines left out)`, ...kept.slice(-KERNEL_LOG_LINES)].join('\n');
}
