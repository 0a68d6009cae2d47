import { spawn, type ChildProcess } from 'node:child_process';
import { StreamMessageReader, StreamMessageWriter, type Message } from 'vscode-jsonrpc/node';
import { LabError } from '../errors.js';
import { Emitter } from '../events.js';
import { run } from '../process.js';

/**
 * Debian bookworm's clangd packages, newest first: clangd-19 (19.1.7) is the
 * newest bookworm offers (clangd is 14, clangd-16 is 16); a plain `clangd`
 * on PATH is the last resort.
 */
export const CLANGD_CANDIDATES = ['clangd-19', 'clangd-18', 'clangd-17', 'clangd-16', 'clangd'];
/** What the user is told when none is installed. */
export const CLANGD_INSTALL_HINT = 'Install it with `sudo apt-get install clangd-19` (or `npm run setup`), then reopen the workspace.';
/** `clangd --version` answers at once; longer means something is wrong with it. */
const VERSION_TIMEOUT_MS = 10_000;
/** clangd exits within this after `exit` or stdin's end; else it is killed. */
const EXIT_GRACE_MS = 2_000;

let found: Promise<{ path: string; version: string } | undefined> | undefined;

/** The clangd to use, or undefined when none is installed (asked once per process). */
export function findClangd(): Promise<{ path: string; version: string } | undefined> {
  found ??= (async () => {
    const override = process.env.KSHRAM_LAB_CLANGD;
    for (const name of override !== undefined ? [override] : CLANGD_CANDIDATES) {
      if (!name) continue;
      try {
        const result = await run(name, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
        const version = /clangd version (\S+)/.exec(result.output)?.[1];
        if (result.code === 0 && version) return { path: name, version };
      } catch {
        // not this one
      }
    }
    return undefined;
  })();
  return found;
}

export interface ClangdOptions {
  path: string;
  /** --compile-commands-dir; clangd keeps its background index beside it. */
  compileCommandsDir: string;
}

/**
 * One clangd process speaking LSP on stdio. Messages in and out are whole
 * JSON-RPC objects (vscode-jsonrpc does the Content-Length framing). It
 * dies with us: clangd exits when its stdin closes, and dispose() kills it
 * if it does not.
 */
export class ClangdProcess {
  private readonly messages = new Emitter<Message>();
  readonly onMessage = this.messages.event;
  private readonly exits = new Emitter<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>();
  readonly onExit = this.exits.event;
  private readonly child: ChildProcess;
  private readonly writer: StreamMessageWriter;
  private stderrTail = '';
  private exited = false;

  private constructor(options: ClangdOptions) {
    this.child = spawn(
      options.path,
      [
        `--compile-commands-dir=${options.compileCommandsDir}`,
        '--background-index',
        '--background-index-priority=low',
        // the machine has two cores shared with builds and QEMU
        '-j=1',
        '--pch-storage=memory',
        '--header-insertion=never',
        '--completion-style=detailed',
        '--function-arg-placeholders',
        // wait for the headers' preamble rather than answer from an empty index on the first request
        '--completion-parse=always',
        '--all-scopes-completion',
        // no configuration file is read: a workspace's .clangd (its `CompileFlags: Add:`) or the user's
        // config would change the command clangd compiles with; ours is all in compile_commands.json
        '--enable-config=false',
        // nor a workspace's .clang-tidy
        '--clang-tidy=false',
        '--log=error',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
    );
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000)));
    this.child.stdin!.on('error', () => undefined); // a dead clangd is reported by 'exit'
    const reader = new StreamMessageReader(this.child.stdout!);
    reader.listen((message) => this.messages.fire(message));
    this.writer = new StreamMessageWriter(this.child.stdin!);
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exits.fire({ code, signal, stderr: this.stderrTail });
    });
    this.child.on('error', () => undefined); // ENOENT is caught by findClangd first
  }

  static start(options: ClangdOptions): ClangdProcess {
    const process = new ClangdProcess(options);
    if (!process.child.pid) throw new LabError('INTERNAL', `${options.path} could not be started.`, CLANGD_INSTALL_HINT);
    return process;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  send(message: Message): void {
    if (!this.exited) void this.writer.write(message).catch(() => undefined);
  }

  /** Ends clangd: its stdin closes (it exits), and it is killed if it lingers. */
  async dispose(): Promise<void> {
    this.messages.dispose();
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await gone;
    clearTimeout(timer);
    this.exits.dispose();
  }
}
