import { LabError } from '../errors.js';
import { hasCommand, run, type RunResult } from '../process.js';

export type ToolchainName = 'native' | 'docker';

export interface ExecOptions {
  cwd: string;
  /** Directories the command reads or writes; a container mounts them at the same path. */
  mounts: readonly string[];
  timeoutMs: number;
  env?: Record<string, string>;
}

/**
 * Where make and cc run. Paths are the same inside and outside, so build
 * output and diagnostics never need translating.
 */
export interface Toolchain {
  readonly name: ToolchainName;
  exec(command: readonly string[], options: ExecOptions): Promise<RunResult>;
  /** Text that changes whenever the compiler does (cache key of built programs). */
  identity(): Promise<string>;
}

export class NativeToolchain implements Toolchain {
  readonly name = 'native';
  private id: string | undefined;

  async exec(command: readonly string[], options: ExecOptions): Promise<RunResult> {
    try {
      return await run(command[0]!, command.slice(1), {
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
        // kbuild unexports LC_ALL, so LANG too: plain ASCII quotes in diagnostics
        env: { ...process.env, ...options.env, LC_ALL: 'C', LANG: 'C' },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new LabError('TOOLCHAIN_MISSING', `"${command[0]}" is not installed.`, 'Install the build tools: npm run setup (or apt-get install build-essential), or use the docker toolchain.');
      }
      throw err;
    }
  }

  async identity(): Promise<string> {
    if (this.id === undefined) {
      if (!(await hasCommand('cc'))) {
        throw new LabError('TOOLCHAIN_MISSING', 'No C compiler (cc) is installed.', 'Install the build tools: npm run setup (or apt-get install build-essential), or use the docker toolchain.');
      }
      const result = await run('cc', ['--version']);
      this.id = `native ${result.output.split('\n')[0]}`;
    }
    return this.id;
  }
}
