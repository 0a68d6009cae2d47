import { LabError } from '../errors.js';
import { hasCommand, run, type RunResult } from '../process.js';
import { BWRAP, checkSandbox, giveToSandbox, NO_SANDBOX_ENV, sandboxArguments, sandboxDisabled, sandboxEnvironment, takeBackFromSandbox } from './sandbox.js';

export type ToolchainName = 'native' | 'docker';

export interface ExecOptions {
  cwd: string;
  /** Directories the command only reads (the kit's build tree, shims); mounted read-only at the same path. */
  mounts: readonly string[];
  /** Directories it writes: the private copy of the sources and its outputs. */
  writable: readonly string[];
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

/** A build's messages beyond this are a flood (an #include of a binary file), not diagnostics. */
const MAX_BUILD_OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * The host's compiler, run inside the build sandbox (sandbox.ts): it sees
 * only /usr, the directories named in ExecOptions, and nothing else.
 */
export class NativeToolchain implements Toolchain {
  readonly name = 'native';
  private id: string | undefined;

  async exec(command: readonly string[], options: ExecOptions): Promise<RunResult> {
    if (sandboxDisabled()) {
      process.emitWarning(`${NO_SANDBOX_ENV} is set: building without the sandbox, with access to all your files.`, { code: 'KSHRAM_LAB_NO_SANDBOX' });
      return this.execDirect(command, options);
    }
    await checkSandbox();
    const env = sandboxEnvironment(options.env);
    await giveToSandbox(options.writable);
    try {
      const args = sandboxArguments({ command, cwd: options.cwd, readOnly: options.mounts, writable: options.writable, env });
      const result = await run(BWRAP, args, { timeoutMs: options.timeoutMs, maxOutputBytes: MAX_BUILD_OUTPUT_BYTES });
      // the launchers inside the sandbox say so when the command itself is missing
      if (result.code === 127 && /^(prlimit|setpriv): failed to execute .*: No such file or directory\s*$/.test(result.output)) throw missing(command[0]!);
      return result;
    } finally {
      await takeBackFromSandbox(options.writable);
    }
  }

  private async execDirect(command: readonly string[], options: ExecOptions): Promise<RunResult> {
    try {
      return await run(command[0]!, command.slice(1), {
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
        maxOutputBytes: MAX_BUILD_OUTPUT_BYTES,
        // kbuild unexports LC_ALL, so LANG too: plain ASCII quotes in diagnostics
        env: { ...process.env, ...options.env, LC_ALL: 'C', LANG: 'C' },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(command[0]!);
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

function missing(tool: string): LabError {
  return new LabError('TOOLCHAIN_MISSING', `"${tool}" is not installed.`, 'Install the build tools: npm run setup (or apt-get install build-essential), or use the docker toolchain.');
}
