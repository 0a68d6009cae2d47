import { spawn, type ChildProcess } from 'node:child_process';
import { killGroup, withParentDeathSignal } from '../app/process.js';

/**
 * The processes a test starts, owned by the test. Each leads a process
 * group of its own, so what it starts in turn (a server's clangd, a CLI's
 * compiler) is ended with it; each dies with the test worker (the
 * kernel's parent-death signal), should the worker itself be killed. One
 * started in a test is ended after that test, one started in a hook or at
 * a file's top level after the file: whether the tests passed, failed or
 * timed out (test/each-file.ts calls the two ends).
 */

/** The polite stop gets this long before the whole group is killed (a web server stops its VM and clangd first). */
export const STOP_GRACE_MS = 15_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Owned {
  /** It leads a process group of its own. */
  pid: number;
  stop(): Promise<unknown>;
  /**
   * The tests running when it started, not ended yet: one, or several
   * when tests run concurrently (it.concurrent), where which one started
   * it cannot be told, so it ends with the last of them. None: a hook or
   * the file's top level started it, and it ends with the file.
   */
  tests: Set<string>;
}

const owned = new Set<Owned>();
const runningTests = new Set<string>();
let fileEnded = false;

// a worker that ends before the hooks ran (a file-level afterAll that threw skips the rest) still ends them
process.once('exit', () => {
  for (const o of owned) killGroup(o.pid);
});

/** A test starts: what is started from now on is its own. */
export function enterTest(id: string): void {
  runningTests.add(id);
}

/** A test ended: its processes end (those it may share with tests still running, with the last of them). */
export async function endTestProcesses(id: string): Promise<void> {
  runningTests.delete(id);
  await stopEach([...owned].filter((o) => o.tests.delete(id) && o.tests.size === 0));
}

/** The file ended: every process still owned ends, and none may start any more. */
export async function endFileProcesses(): Promise<void> {
  fileEnded = true;
  await stopEach([...owned]);
}

async function stopEach(list: Owned[]): Promise<void> {
  await Promise.all(list.map((o) => o.stop()));
  for (const o of list) owned.delete(o);
}

/**
 * Registers a process just started (by spawnOwned, spawnOwnedPty) whose
 * `stop` ends it and its group, under the current test. Once the file has
 * ended (a test that timed out went on), it is stopped at once instead:
 * nobody would end it.
 */
export function own(what: string, pid: number, stop: () => Promise<unknown>): void {
  if (fileEnded) {
    void stop();
    throw new Error(`${what} was started after its test file ended (a test that timed out went on?); it is stopped`);
  }
  owned.add({ pid, stop, tests: new Set(runningTests) });
}

/**
 * The way a test ends one of its processes: `signal` to the process
 * (its own graceful stop), then, after `graceMs` or once it has exited,
 * SIGKILL to its whole group. Resolves when the process has exited.
 */
export async function endGroup(pid: number, exited: Promise<unknown>, running: () => boolean, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (running()) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
  const timer = setTimeout(() => killGroup(pid), graceMs);
  await exited;
  clearTimeout(timer);
  // what it started and left behind in its group
  killGroup(pid);
}

export interface OwnedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A pipe the test writes to (child.stdin); else stdin is /dev/null. */
  stdin?: 'pipe' | 'ignore';
  /** What stop() sends first: SIGINT for the CLI (its Ctrl-C: a server stops its VM), SIGTERM otherwise. */
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
}

export interface OwnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far, in arrival order. */
  output(): string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /** Exited, and its output all read (stdout and stderr closed). */
  readonly closed: Promise<void>;
  /** Ends it and its group (see endGroup); the same promise when called again. */
  stop(): Promise<Exit>;
}

/** Starts `command` owned by the running test (or the file), as described above. */
export function spawnOwned(command: string, args: readonly string[], options: OwnedOptions = {}): OwnedProcess {
  const [wrapped, wrappedArgs] = withParentDeathSignal(command, args);
  const child = spawn(wrapped, wrappedArgs, { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    output += c.toString();
  });
  child.stdin?.on('error', () => undefined); // a child that exits before reading its input
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping: Promise<Exit> | undefined;
  const stop = (): Promise<Exit> =>
    (stopping ??= child.pid === undefined
      ? exited
      : endGroup(child.pid, exited, () => child.exitCode === null && child.signalCode === null, options.stopSignal ?? 'SIGTERM', options.graceMs ?? STOP_GRACE_MS).then(() => exited));
  own(command, child.pid ?? 0, stop);
  return { child, pid: child.pid ?? 0, output: () => output, stdout: () => stdout, stderr: () => stderr, exited, closed, stop };
}

export interface OwnedRunOptions extends Omit<OwnedOptions, 'stdin'> {
  input?: string;
  /** Ended (see stop) after this long; the result says timedOut. */
  timeoutMs?: number;
}

export interface OwnedRun extends Exit {
  output: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `command` to its end, owned like spawnOwned; never rejects for a non-zero exit. */
export async function runOwned(command: string, args: readonly string[], options: OwnedRunOptions = {}): Promise<OwnedRun> {
  const proc = spawnOwned(command, args, { ...options, stdin: options.input === undefined ? 'ignore' : 'pipe' });
  if (options.input !== undefined) proc.child.stdin!.end(options.input);
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void proc.stop();
        }, options.timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  await proc.stop();
  await proc.closed;
  return { ...exit, output: proc.output(), stdout: proc.stdout(), stderr: proc.stderr(), timedOut };
}
