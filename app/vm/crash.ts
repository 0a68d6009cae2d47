/**
 * Recognises kernel crashes in the serial console stream: the first line
 * of a report (see report-kinds.ts) starts it, the lines after it are
 * collected until the kernel's end marker.
 */
import { consoleLines, isDumpLine, kernelPart, kernelText, parseFrame, parseRip, type KernelFrame } from './kernel-log.js';
import { reportKind, reportStartedBy, sanitizerKind, sanitizerReportStartedBy, type CrashKind, type SanitizerKind } from './report-kinds.js';

export type { CrashKind } from './report-kinds.js';

export interface CrashReport {
  kind: CrashKind;
  /** The line that gave the crash away, e.g. "BUG: kernel NULL pointer dereference, address: 0000000000000000". */
  title: string;
  /** Where it happened, e.g. "mutex_lock+0x19/0x30". */
  rip?: string;
  /** `rip` as a frame. */
  ripFrame?: KernelFrame;
  /** The first frame of a loaded module in the call trace, e.g. "kshram_ioctl+0x49/0xd9 [kshram]". */
  moduleFrame?: string;
  /** The reliable call-trace frames so far, innermost first (guesses left out). */
  frames: KernelFrame[];
  text: string;
  /** True once the kernel printed the end of the report. */
  complete: boolean;
  /** When its first line was seen (Date.now()): how long the rest may still take counts from here. */
  seenAt?: number;
}

export interface KernelWarning {
  title: string;
  text: string;
}

const WARNING_START = /WARNING: CPU: \d+ PID: \d+ at /;

/** The place a warning names ("fs/proc/generic.c:381 proc_register+0x..."), whichever CPU and task hit it. */
export function warningSite(title: string): string {
  return title.replace(WARNING_START, '');
}
const REPORT_END = /---\[ end (trace|Kernel panic)/;
/** A SLUB hex dump line: "Redzone  ffff88800694b000: cc cc ...", "Object   ffff...: 6b 6b ...". */
const HEX_DUMP_LINE = /^(Redzone|Object|Padding|Bytes b4) +[0-9a-f]{8,}: /;
/** Reports longer than this are cut: the start holds what matters. */
const MAX_REPORT_LINES = 120;

/** A checker's report the kernel survived (KASAN, lockdep, ...; see SANITIZER_KINDS): a note, not the end of the run. */
export interface SanitizerReport {
  kind: SanitizerKind;
  /** "BUG: KASAN: use-after-free in kshram_set_size+0x1c3/0x2d0 [kshram]" */
  title: string;
  /** The reliable frames, innermost first: the call trace, then (KASAN, SLUB) where the memory was allocated and freed. */
  frames: KernelFrame[];
  /** The first frame of a loaded module, e.g. "kshram_set_size+0x1c3/0x2d0 [kshram]". */
  moduleFrame?: string;
  text: string;
  complete: boolean;
}

export class CrashDetector {
  private partial = '';
  private report: CrashReport | undefined;
  private readonly lines: string[] = [];
  private warning: { title: string; lines: string[] } | undefined;
  readonly warnings: KernelWarning[] = [];
  /** Checker reports in the order they started; the last may still be growing. */
  readonly sanitizerReports: SanitizerReport[] = [];
  private sanitizer: { report: SanitizerReport; lines: string[] } | undefined;

  get crash(): CrashReport | undefined {
    return this.report;
  }

  /** Feeds console text; returns true when this chunk started a crash report. */
  feed(text: string): boolean {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    let started = false;
    if (!lines.length) return false;
    for (const line of consoleLines(lines.join('\n'))) started = this.line(line) || started;
    return started;
  }

  private line(line: string): boolean {
    // a report can start on the line of a shell prompt ("kshram:/root# [ 29.0] BUG: ..."): the kernel's part is the message
    const message = kernelText(kernelPart(line) || line);
    const report = this.report;
    if (report) {
      if (report.complete || this.lines.length >= MAX_REPORT_LINES) return false;
      this.lines.push(line);
      const rip = parseRip(line);
      if (rip && !report.rip) {
        report.rip = rip;
        const frame = parseFrame(rip);
        if (frame) report.ripFrame = frame;
      }
      const frame = parseFrame(line);
      if (frame && !frame.guess) {
        report.frames.push(frame);
        if (frame.module && !report.moduleFrame) report.moduleFrame = frame.text;
      }
      if (report.kind !== 'panic' && reportStartedBy(message) === 'panic') report.kind = 'panic';
      report.text = this.lines.join('\n');
      const ends = reportKind(report.kind).ends;
      if (REPORT_END.test(line) || ends?.test(message)) report.complete = true;
      return false;
    }
    if (this.sanitizerLine(line, message)) return false;
    const kind = reportStartedBy(line);
    if (kind) {
      this.warning = undefined;
      this.lines.push(line);
      this.report = { kind, title: message, frames: [], text: line, complete: false, seenAt: Date.now() };
      return true;
    }
    this.trackWarning(line);
    return false;
  }

  /** Collects checker reports; false when the line is not part of one (a crash may start in the middle of one). */
  private sanitizerLine(line: string, message: string): boolean {
    const started = sanitizerReportStartedBy(message);
    const open = this.sanitizer;
    if (open && !started && !reportStartedBy(line)) {
      // SLUB dumps whole objects and their red zones in hex: hundreds of lines that would push the call trace out
      if (HEX_DUMP_LINE.test(message)) return true;
      open.lines.push(line);
      const frame = parseFrame(line);
      if (frame && !frame.guess) {
        open.report.frames.push(frame);
        if (frame.module && !open.report.moduleFrame) open.report.moduleFrame = frame.text;
      }
      open.report.text = open.lines.join('\n');
      if (sanitizerKind(open.report.kind).ends?.test(message) || open.lines.length >= MAX_REPORT_LINES) {
        open.report.complete = true;
        this.sanitizer = undefined;
      }
      return true;
    }
    this.sanitizer = undefined;
    if (!started) return false;
    this.warning = undefined;
    const report: SanitizerReport = { kind: started, title: message, frames: [], text: line, complete: false };
    this.sanitizerReports.push(report);
    this.sanitizer = { report, lines: [line] };
    return true;
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

/** Parses a whole console text: the first crash report in it, if any. */
export function parseCrashReport(console: string): CrashReport | undefined {
  const detector = new CrashDetector();
  detector.feed(`${console}\n`);
  return detector.crash;
}

/** The kernel's printk and serial-console code: a lockup or stall that stops in it is a flood of messages. */
// __up_console_sem: printk hands the console lock back after each message, even those below the console's level
const PRINTK_FUNCTIONS = /^(vprintk\w*|_printk|printk\w*|\w*console_\w+|serial8250_\w+|uart_console_write|wait_for_lsr|io_serial_\w+|_?prb_\w+|log_store|record_print_text|info_print_prefix)(\.\w+)*$/;

/**
 * True for a lockup or stall caught in printk or the serial console: a
 * module that logs too much, not a CPU that stopped (under TCG the
 * emulated UART takes ~150 KB/s, and printk can fill a CPU on its own).
 * The watchdog catches the CPU wherever printk is at that moment, often
 * in a helper it calls (__memcpy into the ring buffer, vsnprintf): the
 * frames between there and the module's own frame say whether it was
 * printing. A CPU caught in the module's code is not printing.
 */
export function isLogFlood(crash: CrashReport): boolean {
  if (crash.kind !== 'lockup' && crash.kind !== 'stall') return false;
  const frames = crash.ripFrame ? [crash.ripFrame, ...crash.frames] : crash.frames;
  const moduleAt = frames.findIndex((frame) => frame.module);
  return frames.slice(0, moduleAt < 0 ? frames.length : moduleAt).some((frame) => PRINTK_FUNCTIONS.test(frame.func));
}

/** "Kernel Oops in mutex_lock+0x19/0x30 (called from kshram_ioctl+0x49/0xd9 [kshram]): BUG: ..." */
export function describeCrash(crash: CrashReport): string {
  const label = isLogFlood(crash) ? `Kernel log flood (${reportKind(crash.kind).label.toLowerCase()}, printing)` : reportKind(crash.kind).label;
  const from = crash.moduleFrame && !crash.rip?.includes(crash.moduleFrame) ? ` (called from ${crash.moduleFrame})` : '';
  const where = crash.rip ? ` in ${crash.rip}${from}` : crash.moduleFrame ? ` in ${crash.moduleFrame}` : '';
  return `${label}${where}: ${crash.title}`;
}

/** The report without register and code dumps and without guessed frames. */
export function readableReport(crash: CrashReport): string {
  return crash.text
    .split('\n')
    .filter((line) => !isDumpLine(line) && !parseFrame(line)?.guess)
    .join('\n');
}
