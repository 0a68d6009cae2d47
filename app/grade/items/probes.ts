import type { CommandResult } from '../../agent/agent.js';
import { lastLines } from '../evidence.js';
import type { ItemRecorder } from './recorder.js';
import { TIMEOUTS } from '../../timeouts.js';

/** ": the command's last line" for a summary, or '' when it said nothing. */
export function firstWords(result: CommandResult): string {
  const said = lastLines(result.output, 1).trim();
  return said ? `: ${said}` : '';
}

/** /dev's entries, each with whether it is a character device. */
export async function devNodes(recorder: ItemRecorder): Promise<Map<string, boolean>> {
  const listing = await recorder.sh('for f in /dev/*; do [ -c "$f" ] && echo "c $f" || echo "- $f"; done', TIMEOUTS.probeMs, { quiet: true, label: 'ls /dev' });
  return new Map(listing.output.split('\n').filter((l) => l.length > 2).map((l) => [l.slice(2).trim(), l.startsWith('c ')]));
}

/**
 * Kernel threads as "PID name": the children of kthreadd (PID 2). Brackets
 * alone are not enough: busybox also brackets a user process whose command
 * line is not readable yet (a shell the agent is just starting). kworkers
 * are left out: they come and go on their own.
 */
export async function kernelThreads(recorder: ItemRecorder): Promise<Set<string>> {
  const ps = await recorder.sh('ps -o pid,ppid,args', TIMEOUTS.probeMs, { quiet: true, label: 'ps' });
  const threads = ps.output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+2\s+\[(.+)\]\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !/^kworker\//.test(m[2]!))
    .map((m) => `${m[1]} ${m[2]}`);
  return new Set(threads);
}
