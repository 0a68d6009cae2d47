import type { CommandResult } from '../guest/agent.js';

/**
 * How a check program's run is judged: by its exit status and by its
 * output, because a check can print a failure ("size 4096 incorrect!")
 * and still exit 0.
 */
export interface Verdict {
  pass: boolean;
  /** One line: why it failed, or what passed. */
  reason: string;
}

const FAILURE_LINE = /\bFAIL(ED|URE)?\b|\bincorrect\b|\bmismatch|\berrors?\b|Segmentation fault|Bus error|Illegal instruction|\bAborted\b|\bKilled\b/i;

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };

/** Longest program line quoted in a one-line reason. */
const REASON_QUOTE_CHARS = 160;

export function judgeRun(name: string, result: CommandResult, timeoutMs: number): Verdict {
  if (result.timedOut) return { pass: false, reason: `${name} did not finish within ${Math.round(timeoutMs / 1000)} s` };
  if (result.status === null) return { pass: false, reason: `${name} ended without an exit status` };
  const lines = result.output.replace(/\r/g, '').split('\n').map((line) => line.trim()).filter(Boolean);
  const bad = lines.find((line) => FAILURE_LINE.test(line));
  // what the program said about its failure: its failure line, else its last words
  const said = (bad ?? lines.at(-1))?.slice(0, REASON_QUOTE_CHARS);
  if (result.status > 128) {
    const signal = result.status - 128;
    return { pass: false, reason: `${name} was killed by signal ${signal}${SIGNALS[signal] ? ` (${SIGNALS[signal]})` : ''}${said ? `; it last printed: ${said}` : ''}` };
  }
  if (result.status !== 0) return { pass: false, reason: `${name} exited with status ${result.status}${said ? `: ${said}` : ''}` };
  if (bad) return { pass: false, reason: `${name} exited 0 but reported: ${bad.slice(0, REASON_QUOTE_CHARS)}` };
  return { pass: true, reason: `${name} passed` };
}

/** The message check_msg found ("read: ...") and left ("wrote: ..."), when it prints our format. */
export function parseCheckMsg(output: string): { read?: string; wrote?: string } {
  const lines = output.split('\n');
  const field = (name: string): string | undefined => {
    const line = lines.find((l) => l.startsWith(`${name}:`));
    return line === undefined ? undefined : line.slice(name.length + 1).replace(/^ /, '');
  };
  return { read: field('read'), wrote: field('wrote') };
}
