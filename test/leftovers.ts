import { hostProcesses, processState, type HostProcess } from './processes.js';

/**
 * The guard that nothing a test run started outlives it. A run marks
 * itself with environment variables every child inherits; what still
 * carries them (or descends from the run) once the run is over is a
 * leftover: named, failed on, and ended.
 */

/** Set once per `vitest run` (or guarded bench) to a value of its own; every process it starts inherits it. */
export const RUN_MARKER = 'KSHRAM_LAB_TEST_RUN';
/** Set in each test worker to the test file it runs, so a leftover names the file that started it. */
export const FILE_MARKER = 'KSHRAM_LAB_TEST_FILE';
/** Set in each test worker to its pid: what one test file started, apart from the other worker's. */
export const WORKER_MARKER = 'KSHRAM_LAB_TEST_WORKER';

/** Overrides the guards' grace (ms): the guard's own tests, whose leftover is no straggler, need none. */
export const GRACE_VARIABLE = 'KSHRAM_LAB_LEFTOVER_GRACE_MS';

/** The grace a guard gives stragglers: `defaultMs`, unless GRACE_VARIABLE says otherwise. */
export function graceMs(defaultMs: number): number {
  const set = Number(process.env[GRACE_VARIABLE]);
  return process.env[GRACE_VARIABLE] && Number.isFinite(set) && set >= 0 ? set : defaultMs;
}

/** How often the process table is read again while leftovers may still be on their way out. */
const POLL_MS = 100;
/** A killed process is gone at once; one in uninterruptible sleep (a disk, a ptrace stop) takes longer. */
const KILL_WAIT_MS = 5_000;
/** QEMU's command lines run to a page; the start says what it is. */
const COMMAND_CHARS = 300;

/** Which processes are a run's (or one test file's): any one of these makes a process ours. */
export interface RunScope {
  /** NAME=VALUE in its environment (inherited by every child that keeps the environment it was given). */
  marker: { name: string; value: string };
  /** Its descendants are ours too (children started with an environment of their own), while still attached. */
  root?: number;
  /** Text in its command line: the run's private TMPDIR, which QEMU's socket paths carry. */
  mentions?: string;
  /** The runner's own processes (vitest's workers): never leftovers, though their children may be. */
  isRunner?: (process: HostProcess) => boolean;
}

export interface Leftover {
  pid: number;
  command: string;
  /** The test file whose worker started it, when its environment says. */
  file?: string;
}

/** The processes of `scope` alive now, the caller and `scope.root` aside. */
export function findLeftovers(scope: RunScope): Leftover[] {
  const live = hostProcesses().filter((p) => p.state !== 'Z');
  const children = new Map<number, HostProcess[]>();
  for (const p of live) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const descendants = new Set<number>();
  for (const queue = [...(scope.root === undefined ? [] : (children.get(scope.root) ?? []))]; queue.length; ) {
    const p = queue.shift()!;
    descendants.add(p.pid);
    queue.push(...(children.get(p.pid) ?? []));
  }
  const ours = (p: HostProcess): boolean =>
    descendants.has(p.pid) || p.env(scope.marker.name) === scope.marker.value || (!!scope.mentions && p.command.includes(scope.mentions));
  return live
    .filter((p) => p.pid !== process.pid && p.pid !== scope.root && !scope.isRunner?.(p) && ours(p))
    .map((p) => ({ pid: p.pid, command: p.command || `[pid ${p.pid}]`, file: p.env(FILE_MARKER) }));
}

/**
 * The leftovers of `scope` once they had `graceMs` to go: none as soon as
 * none is left (a process killed a moment ago, by its parent's death,
 * may still be on its way out).
 */
export async function leftoversAfter(scope: RunScope, graceMs: number): Promise<Leftover[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = findLeftovers(scope);
    if (!left.length || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Kills each leftover (SIGKILL: its own handlers had their chance) and waits until they are gone; returns those still alive. */
export async function endLeftovers(leftovers: readonly Leftover[]): Promise<number[]> {
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + KILL_WAIT_MS;
  for (;;) {
    const alive = leftovers.map((l) => l.pid).filter(isAlive);
    if (!alive.length || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Alive and not a zombie (a zombie is dead; only its parent has not looked yet). */
function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
}

/** "1 process", "3 processes". */
export const processCount = (n: number): string => `${n} process${n === 1 ? '' : 'es'}`;

/** One line per leftover: pid, command line, and the test file that started it when known. */
export function describeLeftovers(leftovers: readonly Leftover[]): string {
  return leftovers
    .map(({ pid, command, file }) => {
      const shown = command.length > COMMAND_CHARS ? `${command.slice(0, COMMAND_CHARS)}…` : command;
      return `  pid ${pid}: ${shown}${file ? `  (started under ${file})` : ''}`;
    })
    .join('\n');
}
