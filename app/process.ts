import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command (and its process group) after this long. */
  timeoutMs?: number;
  /** Called with every chunk of combined stdout+stderr. */
  onOutput?: (text: string) => void;
  input?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

/**
 * Runs a command with stdout and stderr merged in arrival order, the way a
 * person would see them in a terminal. Never rejects for a non-zero exit;
 * rejects only when the command cannot be started (ENOENT and the like).
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let timedOut = false;
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      options.onOutput?.(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child.pid);
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
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

/** True when a program can be found on PATH. */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    const result = await run('sh', ['-c', `command -v ${name}`]);
    return result.code === 0;
  } catch {
    return false;
  }
}
