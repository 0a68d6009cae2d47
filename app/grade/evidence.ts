import type { CommandResult } from '../guest/agent.js';
import { describeCrash, readableReport, type CrashReport } from '../vm/crash.js';

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
  const lines = console.replace(/\r/g, '').replace(ANSI, '').split('\n').filter((line) => !SYNC_MARKER.test(line));
  return lines.slice(-n).join('\n').trimEnd();
}

export function crashEvidence(crash: CrashReport): string {
  return `--- kernel report ---\n${readableReport(crash)}`;
}

export { describeCrash };

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** The grader's own console barriers: noise in evidence. */
const SYNC_MARKER = /kshram-lab: sync \d+$/;
/** Register and code dumps, as in crash.ts: the RIP line stays. */
const DUMP = /\] (Code: |R(?!IP)[A-Z0-9]{2}: |FS: |CS: |CR2: |DR[0-7]: |PKRU: )/;
const TIMESTAMP = /\[\s*\d+\.\d+\]/;
/**
 * Stack dumps without a crash (sysfs duplicate warnings and the like): the
 * message before them and the module's own frames tell the story, kernel
 * frames, guesses ("? ") and markers do not.
 */
const TRACE_NOISE = /^\[[^\]]+\]\s+(\? |[\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+$|<\/?(TASK|IRQ)>$|Call Trace:|Hardware name:|RIP: 0033:)/;

/**
 * The kernel's messages on the console since item `id` began (its
 * "kshram-lab: item N:" marker), without the grader's barriers, register
 * dumps and shell noise. With `before`, lines from that text on (a crash
 * report shown on its own) are left out.
 */
export function itemKernelLog(console: string, id: number, before?: string): string {
  const lines = console.replace(/\r/g, '').replace(ANSI, '').split('\n');
  const marker = `kshram-lab: item ${id}:`;
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.includes(marker)) {
      start = i + 1;
      break;
    }
  }
  if (start < 0) return '';
  let end = lines.length;
  if (before) {
    const at = lines.findIndex((line, i) => i >= start && line.includes(before));
    if (at >= 0) end = at;
  }
  const kept = lines
    .slice(start, end)
    // a kernel line can follow a shell prompt on the same console line
    .map((line) => {
      const at = line.search(TIMESTAMP);
      return at < 0 ? '' : line.slice(at);
    })
    .filter((line) => line && !SYNC_MARKER.test(line) && !DUMP.test(line) && !TRACE_NOISE.test(line));
  if (kept.length <= KERNEL_LOG_LINES) return kept.join('\n');
  return [`(${kept.length - KERNEL_LOG_LINES} earlier lines left out)`, ...kept.slice(-KERNEL_LOG_LINES)].join('\n');
}
