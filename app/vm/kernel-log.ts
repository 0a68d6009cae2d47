/**
 * The kernel's log as it reaches the serial console, parsed in one place:
 * escape sequences, "[    1.234567] " timestamps, register and code dumps,
 * "RIP:" lines and call-trace frames ("kshram_ioctl+0x49/0xd9 [kshram]").
 * Crash detection, evidence, stuck-task diagnosis, the grader's items and
 * the symbol decoder all read the log through this module.
 */

/** One call-trace entry, e.g. "kshram_ioctl+0x49/0xd9 [kshram]". */
export interface KernelFrame {
  /** The function, e.g. "kshram_ioctl" or "kshram_ioctl.cold". */
  func: string;
  /** Bytes from the function's start. */
  offset: number;
  /** The function's length in bytes. */
  length: number;
  /** The loaded module the function belongs to; undefined for the kernel image. */
  module?: string;
  /** The unwinder only guessed it ("? do_fault+0x1a7/0x410"): stale stack contents. */
  guess: boolean;
  /** The frame as the kernel printed it, without "? " and timestamp. */
  text: string;
}

/** CSI sequences (colours, cursor queries like "\x1b[6n") that terminals and busybox's shell print. */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const TIMESTAMP_PREFIX = /^\s*\[\s*\d+\.\d+\]\s?/;
const TIMESTAMP = /\[\s*\d+\.\d+\]/;
/** Register and code dumps: noise for a student reading evidence (the RIP line stays). */
const DUMP_LINE = /(?:^|\] )(Code: |R(?!IP)[A-Z0-9]{2}: |FS: |CS: |CR2: |DR[0-7]: |PKRU: )/;
/** Kernel-mode RIP ("RIP: 0010:"); user mode (0033) is where the syscall came from, not the crash. */
const KERNEL_RIP = /RIP: 0010:(\S+(?: \[[^\]]+\])?)/;
const FRAME_TEXT = /^(\? )?([\w.]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[(\w+)\])?$/;

/** Console text without carriage returns and escape sequences. */
export function cleanConsole(text: string): string {
  return text.replace(/\r/g, '').replace(ANSI, '');
}

/** The console's lines, cleaned (see cleanConsole). */
export function consoleLines(text: string): string[] {
  return cleanConsole(text).split('\n');
}

/** The message without its "[    1.234567] " timestamp, trimmed. */
export function kernelText(line: string): string {
  return line.replace(TIMESTAMP_PREFIX, '').trim();
}

/**
 * The kernel's part of a console line from its timestamp on; '' when the
 * line has none (shell output). A kernel line can follow a shell prompt.
 */
export function kernelPart(line: string): string {
  const at = line.search(TIMESTAMP);
  return at < 0 ? '' : line.slice(at);
}

/** A register or code dump line ("RAX: ...", "Code: ..."). */
export function isDumpLine(line: string): boolean {
  return DUMP_LINE.test(kernelText(line));
}

/** "mutex_lock+0x19/0x30" from a "RIP: 0010:mutex_lock+0x19/0x30" line. */
export function parseRip(line: string): string | undefined {
  return KERNEL_RIP.exec(line)?.[1];
}

/**
 * A call-trace line as a frame: "kshram_ioctl+0x49/0xd9 [kshram]",
 * "? do_fault+0x1a7/0x410", with or without timestamp. Markers, raw
 * addresses and any other text give undefined.
 */
export function parseFrame(line: string): KernelFrame | undefined {
  const match = FRAME_TEXT.exec(kernelText(line));
  if (!match) return undefined;
  const [, guess, func, offset, length, module] = match;
  const text = `${func}+0x${offset}/0x${length}${module ? ` [${module}]` : ''}`;
  return { func: func!, offset: parseInt(offset!, 16), length: parseInt(length!, 16), ...(module ? { module } : {}), guess: !!guess, text };
}

/** Reliable frames of a text's call traces, innermost first; guesses are left out. */
export function parseFrames(text: string): KernelFrame[] {
  return consoleLines(text)
    .map(parseFrame)
    .filter((frame): frame is KernelFrame => !!frame && !frame.guess);
}

/** "CPU: 0 PID: 122 Comm: check_msg Tainted: ..." */
const TASK_COMM = /\bPID: \d+ Comm: (\S+)/;
/** "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [check_resize:98]" */
const LOCKUP_TASK = /stuck for \d+s! \[(.+):\d+\]$/;

/** The task (its comm, e.g. "check_msg") a report was printed for: the program the crash happened under. */
export function reportTask(text: string): string | undefined {
  for (const line of consoleLines(text)) {
    const message = kernelText(line);
    const task = TASK_COMM.exec(message) ?? LOCKUP_TASK.exec(message);
    if (task) return task[1];
  }
  return undefined;
}
