import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command (and its process group) after this long. */
  timeoutMs?: number;
  /** Called with every chunk of combined stdout+stderr. */
  onOutput?: (text: string) => void;
  input?: string;
  /** Keep at most this much output; beyond it the command is killed (a runaway compiler's error flood). */
  maxOutputBytes?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  /** The command was killed because its output passed maxOutputBytes. */
  outputCut?: boolean;
}

/** Output kept by default: far more than any build or tool prints, far less than memory. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Process groups of the children still running. Every exit path of the
 * process (normal exit, SIGTERM, SIGHUP, Ctrl-C) kills them (see
 * lifecycle.ts), so no compiler or QEMU outlives the CLI or the server.
 */
const liveGroups = new Set<number>();

/** Registers a child started elsewhere (QEMU through node-pty) to be killed on exit; returns the unregister. */
export function trackChild(pid: number | undefined): () => void {
  if (!pid) return () => {};
  liveGroups.add(pid);
  return () => liveGroups.delete(pid);
}

/** Kills every running child and its group at once (exit paths, Ctrl-C). */
export function killAllChildren(): void {
  for (const pid of liveGroups) {
    killGroup(pid);
    liveGroups.delete(pid);
  }
}

/** util-linux's setpriv: sets PR_SET_PDEATHSIG, which survives exec, so the kernel kills the child when we die, even by SIGKILL. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * The command wrapped so that the kernel kills it when this process dies
 * for any reason (SIGKILL included, where no handler of ours runs).
 * Unchanged where setpriv is missing (macOS): the exit handlers remain.
 */
export function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  if (process.platform !== 'linux' || !existsSync(SETPRIV)) return [command, [...args]];
  return [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/**
 * Runs a command with stdout and stderr merged in arrival order, the way a
 * person would see them in a terminal. Never rejects for a non-zero exit;
 * rejects only when the command cannot be started (ENOENT and the like).
 * The command leads its own process group (killed whole on timeout and on
 * exit) and dies with this process.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [wrapped, wrappedArgs] = withParentDeathSignal(command, args);
    const child = spawn(wrapped, wrappedArgs, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const untrack = trackChild(child.pid);
    const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    let output = '';
    let outputBytes = 0;
    let timedOut = false;
    let outputCut = false;
    const onData = (chunk: Buffer): void => {
      if (outputCut) return;
      outputBytes += chunk.length;
      if (outputBytes > maxOutput) {
        outputCut = true;
        output += `\n[output cut at ${maxOutput} bytes; the command was stopped]\n`;
        killGroup(child.pid);
        return;
      }
      const text = chunk.toString('utf8');
      output += text;
      options.onOutput?.(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child.pid);
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      untrack();
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      untrack();
      // setpriv ran but the command it was to exec does not exist: the same ENOENT as without it
      if (wrapped === SETPRIV && code === 127 && /^setpriv: failed to execute .*: No such file or directory\s*$/.test(output)) {
        const err = new Error(`spawn ${command} ENOENT`) as NodeJS.ErrnoException;
        err.code = 'ENOENT';
        reject(err);
        return;
      }
      resolve({ code, signal, output, timedOut, ...(outputCut ? { outputCut } : {}) });
    });
  });
}

/** Kills a detached child together with everything it started. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True while a process with this pid exists (one of another user's, which we may not signal, counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when a program can be found on PATH. */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    const result = await run('sh', ['-c', `command -v ${name}`]);
    return result.code === 0;
  } catch {
    return false;
  }
}
