import type { CommandResult } from '../agent/agent.js';
import { KSHRAM_SLOTS } from '../lab.js';
import { parseTap, tapFailure } from './tap.js';

/**
 * How a program's run is judged: by what the program promises, never by
 * words in its output. The lab's three checks promise their success
 * output (ours and the course's); a program that speaks TAP is judged as
 * TAP; any other program by its exit status. Output words only explain a
 * verdict.
 */
export interface Verdict {
  pass: boolean;
  /** One line: why it failed, or what passed. */
  reason: string;
}

/**
 * The success output each lab check promises, in each of its two dialects:
 * ours (module/checks: "FAILED: ..." on any failure, "PASSED" last) and
 * the course's. A run passes if one dialect's success holds.
 */
interface CheckContract {
  /** "the success output": what a passing run prints, for the reason of a failure. */
  promise: string;
  succeeded(lines: readonly string[]): boolean;
}

/** Ours: no "FAILED:" line and "PASSED" as the last word. */
const oursPassed = (lines: readonly string[]): boolean => lines.at(-1) === 'PASSED' && !lines.some((line) => line.startsWith('FAILED'));

/** The course's check_resize names a failing call as "<device>/<call>: <error>". */
const RESIZE_ERROR = /\/(mmap|open|set_size|get_size):/;
const RESIZE_CORRECT = /\bsize \d+ correct\.$/;

export const CHECK_CONTRACTS: Readonly<Record<string, CheckContract>> = {
  check_resize: {
    promise: `a "size N correct." line for each of the ${KSHRAM_SLOTS} slots, or our "PASSED"`,
    succeeded: (lines) => oursPassed(lines) || (lines.filter((line) => RESIZE_CORRECT.test(line)).length >= KSHRAM_SLOTS && !lines.some((line) => RESIZE_ERROR.test(line))),
  },
  check_fork: {
    promise: 'every round "PASSED" and "done.", or our "PASSED"',
    succeeded: (lines) => {
      if (oursPassed(lines)) return true;
      const rounds = lines.filter((line) => /\bround\b/i.test(line));
      return lines.includes('done.') && lines.some((line) => line.includes('PASSED')) && rounds.every((line) => line.includes('PASSED'));
    },
  },
  check_msg: {
    promise: 'a "Next Message:" line, or our "PASSED"',
    succeeded: (lines) => oursPassed(lines) || lines.some((line) => line.startsWith('Next Message:')),
  },
};

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };

/** Longest program line quoted in a one-line reason. */
const REASON_QUOTE_CHARS = 160;
/** Words that make a line the likely explanation of a failure: for the reason only. */
const EXPLAINS_FAILURE = /\bFAIL(ED|URE)?\b|\bincorrect\b|\bmismatch|\berrors?\b|\bnot ok\b|Segmentation fault|Bus error|\bAborted\b|\bKilled\b|:\s+\S.*\b(No such|Invalid|denied|refused)/i;

export function judgeRun(name: string, result: CommandResult, timeoutMs: number): Verdict {
  if (result.timedOut) return { pass: false, reason: `${name} did not finish within ${Math.round(timeoutMs / 1000)} s` };
  if (result.status === null) return { pass: false, reason: `${name} ended without an exit status` };
  const lines = result.output.replace(/\r/g, '').split('\n').map((line) => line.trim()).filter(Boolean);
  // what the program said about its failure: its likeliest line, else its last words
  const said = (lines.find((line) => EXPLAINS_FAILURE.test(line)) ?? lines.at(-1))?.slice(0, REASON_QUOTE_CHARS);
  if (result.status > 128) {
    const signal = result.status - 128;
    return { pass: false, reason: `${name} was killed by signal ${signal}${SIGNALS[signal] ? ` (${SIGNALS[signal]})` : ''}${said ? `; it last printed: ${said}` : ''}` };
  }
  if (result.status !== 0) return { pass: false, reason: `${name} exited with status ${result.status}${said ? `: ${said}` : ''}` };
  const tap = parseTap(result.output);
  if (tap) {
    const failure = tapFailure(tap);
    if (failure) return { pass: false, reason: `${name} exited 0 but its TAP output failed: ${failure.slice(0, REASON_QUOTE_CHARS)}` };
    return { pass: true, reason: `${name} passed (${tap.tests.length} TAP tests)` };
  }
  const contract = CHECK_CONTRACTS[name];
  if (contract && !contract.succeeded(lines)) {
    return { pass: false, reason: `${name} exited 0 but did not print its success output (${contract.promise})${said ? `: ${said}` : ''}` };
  }
  return { pass: true, reason: `${name} passed` };
}

/**
 * The message check_msg found and left: ours prints "read: ..." and
 * "wrote: ...", the course's "Curr Message: ..." and "Next Message: ...".
 * Unknown when the program prints neither (a TAP-style check).
 */
export function parseCheckMsg(output: string): { read?: string; wrote?: string } {
  const lines = output.replace(/\r/g, '').split('\n');
  const field = (...names: string[]): string | undefined => {
    for (const name of names) {
      const line = lines.find((l) => l.startsWith(`${name}:`));
      if (line !== undefined) return line.slice(name.length + 1).replace(/^ /, '');
    }
    return undefined;
  };
  return { read: field('read', 'Curr Message'), wrote: field('wrote', 'Next Message') };
}

/** Item 5's failure when the first run's message was not there for the second (the lead's words, issue 18). */
export const MESSAGE_GONE = "the first run's message was gone when check_msg ran again (slot 0 did not keep it)";

/**
 * Whether slot 0 kept the message between two check_msg runs: the
 * second must read exactly what the first wrote, in either dialect. The
 * course's program prints "Curr Message:" only when a message is there
 * (its first byte is 'M'), so a missing line is a lost message, not a
 * lack of evidence. `checked` is false only when the program printed no
 * message at all (a TAP-style check): then nothing was claimed or checked.
 */
export function judgeMessageKept(firstOutput: string, secondOutput: string): { pass: boolean; checked: boolean; reason?: string } {
  const first = parseCheckMsg(firstOutput);
  const second = parseCheckMsg(secondOutput);
  if (first.wrote === undefined) return { pass: true, checked: false };
  if (!second.read) return { pass: false, checked: true, reason: MESSAGE_GONE };
  if (second.read !== first.wrote) return { pass: false, checked: true, reason: `the message did not persist: the first run wrote "${first.wrote}", the second read "${second.read}"` };
  return { pass: true, checked: true };
}
