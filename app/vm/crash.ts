/**
 * Recognises kernel crashes in the serial console stream: the first line
 * of an Oops, panic or lockup starts a report, the lines after it are
 * collected until the kernel's end marker.
 */

export type CrashKind = 'oops' | 'bug' | 'panic' | 'lockup' | 'stall';

export interface CrashReport {
  kind: CrashKind;
  /** The line that gave the crash away, e.g. "BUG: kernel NULL pointer dereference, address: 0000000000000000". */
  title: string;
  /** Where it happened, e.g. "mutex_lock+0x19/0x30". */
  rip?: string;
  /** The first frame of a loaded module in the call trace, e.g. "kshram_ioctl+0x49/0xd9 [kshram]". */
  moduleFrame?: string;
  text: string;
  /** True once the kernel printed the end of the report. */
  complete: boolean;
}

export interface KernelWarning {
  title: string;
  text: string;
}

/** First lines of the reports that end a run; the order matters (lockups say "BUG:" too). */
const CRASH_STARTS: ReadonlyArray<[RegExp, CrashKind]> = [
  [/BUG: soft lockup|Watchdog detected hard LOCKUP|hard LOCKUP|BUG: workqueue lockup/, 'lockup'],
  // "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" (a CPU spinning with interrupts off), "rcu_sched self-detected stall"
  [/rcu: INFO: rcu_\w+ (self-)?detected (expedited )?stalls?\b/, 'stall'],
  [/BUG: (unable to handle|kernel NULL pointer dereference|kernel paging request)/, 'oops'],
  [/\bOops: [0-9a-f]{4}/, 'oops'],
  [/general protection fault/, 'oops'],
  [/kernel BUG at /, 'oops'],
  [/invalid opcode: [0-9a-f]{4}/, 'oops'],
  [/Kernel panic - not syncing/, 'panic'],
  // the kernel found corrupted state it cannot trust: bad page state, scheduling while atomic, ...
  [/\bBUG: /, 'bug'],
];
const WARNING_START = /WARNING: CPU: \d+ PID: \d+ at /;
const REPORT_END = /---\[ end (trace|Kernel panic)/;
/** A lockup report has no end marker: its call trace is the last part. */
const TRACE_END = /^<\/TASK>$/;
/** With panic=-1 the kernel resets right after this line, before any end marker. */
const PANIC_END = /^Kernel Offset: /;
const RIP = /RIP: 0010:(\S+(?: \[[^\]]+\])?)/;
/** "kshram_ioctl+0x49/0xd9 [kshram]", also "kshram_ioctl.cold+0xf/0xf [kshram]"; "? " guesses are skipped. */
const MODULE_FRAME = /^\s*(?:\[\s*\d+\.\d+\]\s*)?([\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[\w+\])\s*$/;
/** Register and code dumps: noise for a student reading the evidence (the RIP line stays). */
const DUMP_LINE = /\] (Code: |R(?!IP)[A-Z0-9]{2}: |FS: |CS: |CR2: |DR[0-7]: |PKRU: )/;
/** Reports longer than this are cut: the start holds what matters. */
const MAX_REPORT_LINES = 120;

export class CrashDetector {
  private partial = '';
  private report: CrashReport | undefined;
  private readonly lines: string[] = [];
  private warning: { title: string; lines: string[] } | undefined;
  readonly warnings: KernelWarning[] = [];

  get crash(): CrashReport | undefined {
    return this.report;
  }

  /** Feeds console text; returns true when this chunk started a crash report. */
  feed(text: string): boolean {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    let started = false;
    for (const raw of lines) started = this.line(stripLine(raw)) || started;
    return started;
  }

  private line(line: string): boolean {
    if (this.report) {
      if (this.report.complete || this.lines.length >= MAX_REPORT_LINES) return false;
      this.lines.push(line);
      const rip = RIP.exec(line);
      if (rip && !this.report.rip) this.report.rip = rip[1];
      const frame = MODULE_FRAME.exec(line);
      if (frame && !this.report.moduleFrame) this.report.moduleFrame = frame[1];
      if (this.report.kind !== 'panic' && /Kernel panic - not syncing/.test(line)) this.report.kind = 'panic';
      this.report.text = this.lines.join('\n');
      const text = kernelText(line);
      if (REPORT_END.test(line) || (this.report.kind === 'lockup' && TRACE_END.test(text)) || (this.report.kind === 'panic' && PANIC_END.test(text))) this.report.complete = true;
      return false;
    }
    for (const [pattern, kind] of CRASH_STARTS) {
      if (!pattern.test(line)) continue;
      this.warning = undefined;
      this.lines.push(line);
      this.report = { kind, title: kernelText(line), text: line, complete: false };
      return true;
    }
    this.trackWarning(line);
    return false;
  }

  private trackWarning(line: string): void {
    if (WARNING_START.test(line)) {
      this.warning = { title: kernelText(line), lines: [line] };
      return;
    }
    if (!this.warning) return;
    this.warning.lines.push(line);
    if (REPORT_END.test(line) || this.warning.lines.length >= MAX_REPORT_LINES) {
      this.warnings.push({ title: this.warning.title, text: this.warning.lines.join('\n') });
      this.warning = undefined;
    }
  }
}

function stripLine(raw: string): string {
  return raw.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** The message without the "[    1.234567] " timestamp. */
function kernelText(line: string): string {
  return line.replace(/^\s*\[\s*\d+\.\d+\]\s*/, '').trim();
}

/** "Kernel Oops in mutex_lock+0x19/0x30 (called from kshram_ioctl+0x49/0xd9 [kshram]): BUG: ..." */
export function describeCrash(crash: CrashReport): string {
  const label = { oops: 'Kernel Oops', bug: 'Kernel BUG', panic: 'Kernel panic', lockup: 'Kernel lockup', stall: 'RCU stall' }[crash.kind];
  const from = crash.moduleFrame && !crash.rip?.includes(crash.moduleFrame) ? ` (called from ${crash.moduleFrame})` : '';
  const where = crash.rip ? ` in ${crash.rip}${from}` : crash.moduleFrame ? ` in ${crash.moduleFrame}` : '';
  return `${label}${where}: ${crash.title}`;
}

/** Call-trace entries the unwinder only guessed ("? do_fault+0x1a7/0x410"): stale stack contents. */
const GUESS_FRAME = /^\s*(?:\[\s*\d+\.\d+\]\s*)?\? \S+\+0x/;

/** The report without register and code dumps and without guessed frames. */
export function readableReport(crash: CrashReport): string {
  return crash.text
    .split('\n')
    .filter((line) => !DUMP_LINE.test(line) && !GUESS_FRAME.test(line))
    .join('\n');
}
