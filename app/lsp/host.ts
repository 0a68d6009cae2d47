import { readFile, realpath, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Message, NotificationMessage, RequestMessage } from 'vscode-jsonrpc/node';
import type { LspFile, LspStartInfo, LspStatus } from './status.js';
import { LabError, toErrorData } from '../errors.js';
import { loadKit } from '../kit/kit.js';
import { CLANGD_INSTALL_HINT, ClangdProcess, findClangd } from './clangd.js';
import { MAIN_FILE, writeCompileDatabase } from './compile-commands.js';
import { confinedPath, urisIn } from './confine.js';
import { OneAtATime } from '../one-at-a-time.js';

/** KSHRAM_LAB_LSP_TRACE=1 prints every message to and from clangd on stderr (for debugging the editor). */
const TRACE = !!process.env.KSHRAM_LAB_LSP_TRACE;
/** A kernel header is at most a few hundred KiB; more is not a file to show in a tab. */
const MAX_READ_BYTES = 4 * 1024 * 1024;
/** Methods the editor may send to clangd; everything else is refused at the boundary. */
const ALLOWED_PREFIXES = ['textDocument/', '$/'];
const ALLOWED_METHODS = new Set(['initialize', 'initialized', 'shutdown', 'exit', 'workspace/symbol', 'workspace/executeCommand']);
/**
 * Messages that would change the command clangd compiles with or its
 * configuration (clangd's `compilationDatabaseChanges` settings): dropped
 * at the boundary, whatever the page sends. The command is ours alone
 * (compile-commands.ts), and clangd reads no configuration file (clangd.ts).
 */
const DROPPED_METHODS = new Set(['workspace/didChangeConfiguration']);
/** Of initialize's initializationOptions, only this is passed on; the others set compile commands, a database path or fallback flags. */
const ALLOWED_INIT_OPTIONS = ['clangdFileStatus'];
/** clangd's "unused #include" diagnostic (its config's UnusedIncludes): kernel headers are included for their side effects all the time. */
const UNUSED_INCLUDE_CODE = 'unused-includes';

export interface LspHostEvents {
  onMessage(generation: number, message: Message): void;
  onStatus(status: LspStatus): void;
}

/**
 * The workspace's language server: one clangd, started when the editor
 * first asks, restarted on the new headers when the kit changes, stopped
 * with the workspace or the session. Every message from the editor is
 * checked: only language methods, and only files in the workspace or the
 * kit's header tree.
 */
export class LspHost {
  private workspaceDir: string | undefined;
  private kitName: string;
  private clangd: ClangdProcess | undefined;
  private starting: Promise<LspStartInfo> | undefined;
  private generation = 0;
  private roots: string[] = [];
  private status: LspStatus = { state: 'off', generation: 0 };
  /** The running clangd has had its initialize request. */
  private initialized = false;
  /** The editor's messages, one after the other (see send). */
  private readonly forwarding = new OneAtATime();
  private disposed = false;

  constructor(
    kitName: string,
    private readonly events: LspHostEvents,
  ) {
    this.kitName = kitName;
  }

  get state(): LspStatus {
    return this.status;
  }

  /** clangd's process id while it runs (for the bench's memory column). */
  get pid(): number | undefined {
    return this.clangd?.running ? this.clangd.pid : undefined;
  }

  async setWorkspace(dir: string | undefined): Promise<void> {
    await this.stop();
    this.workspaceDir = dir;
  }

  /** A new kit: a running clangd is restarted on its headers. */
  async setKit(name: string): Promise<void> {
    if (name === this.kitName) return;
    this.kitName = name;
    const wasRunning = !!this.clangd || !!this.starting;
    await this.stop();
    // the new clangd starts in the background; the editor hears of it through lsp.state
    if (wasRunning && this.workspaceDir) void this.start().catch(() => undefined);
  }

  /** kshram.c was saved: the compat shims it needs may have changed (the command is rewritten when they did). */
  async sourceSaved(path: string): Promise<void> {
    if (path !== MAIN_FILE || !this.clangd || !this.workspaceDir) return;
    const kit = await loadKit(this.kitName).catch(() => undefined);
    if (kit) await writeCompileDatabase(kit, this.workspaceDir).catch(() => undefined);
  }

  /**
   * Starts clangd if it is not running; tells how to reach it (or why not).
   * A clangd an editor has already initialized serves that editor only:
   * a page that asks again (a reload, the URL opened anew) gets a fresh
   * one, or its initialize would be refused ("server already initialized").
   */
  start(): Promise<LspStartInfo> {
    if (this.clangd?.running && !this.initialized) return Promise.resolve(this.info());
    this.starting ??= this.relaunch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** A new clangd, the one an earlier page initialized stopped first (its messages are dropped from then on). */
  private async relaunch(): Promise<LspStartInfo> {
    const old = this.clangd;
    this.clangd = undefined;
    await old?.dispose();
    return this.launch();
  }

  private info(): LspStartInfo {
    return { available: true, generation: this.generation, rootUri: pathToFileURL(this.workspaceDir!).href, kit: this.kitName, status: this.status };
  }

  private async launch(): Promise<LspStartInfo> {
    const dir = this.workspaceDir;
    if (!dir) throw new LabError('WORKSPACE_INVALID', 'No workspace is open.', 'Open a folder with your kshram.c first.');
    const clangd = await findClangd();
    const generation = ++this.generation;
    if (!clangd) {
      this.setStatus({ state: 'unavailable', generation, message: `The editor's completion, hover and go-to-definition need clangd, which is not installed. ${CLANGD_INSTALL_HINT}` });
      return { available: false, generation, status: this.status };
    }
    this.setStatus({ state: 'starting', generation, kit: this.kitName, message: `Starting ${clangd.path} ${clangd.version} on ${this.kitName}'s headers` });
    try {
      const kit = await loadKit(this.kitName);
      const database = await writeCompileDatabase(kit, dir);
      const roots = [await realpath(dir), await realpath(kit.dir)];
      const process = ClangdProcess.start({ path: clangd.path, compileCommandsDir: database.dir });
      if (generation !== this.generation || this.disposed) {
        // the workspace or kit changed (or the session ended) while it started: never leak it
        await process.dispose();
        throw new LabError('CANCELLED', 'The workspace or kit changed while the language server was starting.', 'It restarts by itself.');
      }
      this.clangd = process;
      this.initialized = false;
      this.roots = roots;
      process.onMessage((message) => {
        if (TRACE) console.error(`lsp <- ${JSON.stringify(message).slice(0, 300)}`);
        if (this.clangd === process) this.events.onMessage(generation, withoutUnusedIncludes(message));
      });
      process.onExit(({ code, signal, stderr }) => {
        if (this.clangd !== process) return;
        this.clangd = undefined;
        const last = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
        this.setStatus({ state: 'failed', generation, kit: this.kitName, message: `clangd stopped (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}. Reopen the workspace to restart it.` });
      });
      this.setStatus({ state: 'running', generation, kit: this.kitName, message: `${clangd.path} ${clangd.version} · ${kit.name} (${kit.kernelRelease})` });
      return this.info();
    } catch (err) {
      const error = toErrorData(err);
      if (generation === this.generation) this.setStatus({ state: 'failed', generation, kit: this.kitName, message: error.message, error });
      throw err;
    }
  }

  /**
   * One JSON-RPC message from the editor to clangd, checked first. Messages
   * reach clangd in the order they were sent, whatever their checks take:
   * each API call runs on its own, and a file's check (a realpath on libuv's
   * thread pool) can finish after the next message's. clangd takes every
   * didChange as the file's new text, so two swapped full-text changes leave
   * it on the older text until the next edit: stale errors, completions for
   * the wrong line (a burst of changes, such as Monaco's one per character
   * of an insert, swapped that way on a busy machine).
   */
  send(generation: number, text: string): Promise<void> {
    // a refused message is the sender's error; the next one still goes
    return this.forwarding.run(() => this.forward(generation, text));
  }

  private async forward(generation: number, text: string): Promise<void> {
    const process = this.clangd;
    if (!process || generation !== this.generation) return; // a message for a clangd that is gone: dropped
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      throw new LabError('BAD_ARGUMENT', 'A language-server message was not JSON.');
    }
    const method = (message as RequestMessage).method;
    if (typeof method === 'string' && DROPPED_METHODS.has(method)) {
      if (TRACE) console.error(`lsp -> dropped ${method}`);
      return;
    }
    if (typeof method === 'string' && !ALLOWED_METHODS.has(method) && !ALLOWED_PREFIXES.some((p) => method.startsWith(p))) {
      throw new LabError('BAD_ARGUMENT', `The language-server method ${method.slice(0, 80)} is not allowed here.`);
    }
    if (method === 'initialize') {
      this.pinRoot(message as RequestMessage);
      this.initialized = true;
    }
    for (const uri of urisIn((message as RequestMessage).params)) {
      if (!(await confinedPath(uri, this.roots))) {
        throw new LabError('PATH_OUTSIDE_WORKSPACE', `${uri.slice(0, 200)} is outside the workspace and the kit's headers.`, 'The editor only opens the workspace\'s files and the kit\'s headers.');
      }
    }
    // clangd may have been replaced while the paths were checked
    if (process !== this.clangd) return;
    if (TRACE) console.error(`lsp -> ${text.slice(0, 300)}`);
    process.send(message);
  }

  /**
   * The workspace is the only root clangd is told about, whatever the
   * editor said, and initializationOptions keep only what cannot change
   * the compile command (not compilationDatabaseChanges, -Path, fallbackFlags).
   */
  private pinRoot(message: RequestMessage): void {
    const params = (message.params ?? {}) as Record<string, unknown>;
    const rootUri = pathToFileURL(this.workspaceDir!).href;
    const given = (params.initializationOptions ?? {}) as Record<string, unknown>;
    const initializationOptions = Object.fromEntries(ALLOWED_INIT_OPTIONS.filter((key) => typeof given[key] === 'boolean').map((key) => [key, given[key]]));
    message.params = { ...params, rootUri, rootPath: this.workspaceDir, workspaceFolders: [{ uri: rootUri, name: 'workspace' }], initializationOptions };
  }

  /** A file for a read-only tab: a kit header (or a workspace file) that go-to-definition leads to. */
  async readFile(uri: string): Promise<LspFile> {
    const path = await confinedPath(uri, this.roots);
    if (!path) throw new LabError('PATH_OUTSIDE_WORKSPACE', `${uri.slice(0, 200)} is outside the workspace and the kit's headers.`, 'Only the kit\'s headers open read-only from the editor.');
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_READ_BYTES) throw new LabError('BAD_ARGUMENT', `${path} is not a header the editor can show.`);
    const kitRoot = this.roots[1]!;
    return { uri, path, label: path.startsWith(kitRoot) ? path.slice(kitRoot.length + 1).replace(/^root\/usr\/src\/linux-headers-[^/]+\//, '') : path, content: await readFile(path, 'utf8'), readOnly: true };
  }

  async stop(): Promise<void> {
    const process = this.clangd;
    this.clangd = undefined;
    // a launch in progress sees the new generation and disposes what it started
    this.generation++;
    await this.starting?.catch(() => undefined);
    await process?.dispose();
    if (process) this.setStatus({ state: 'off', generation: this.generation });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  private setStatus(status: LspStatus): void {
    this.status = status;
    if (!this.disposed) this.events.onStatus(status);
  }
}

/** clangd's diagnostics without its unused-#include hints (see UNUSED_INCLUDE_CODE); any other message as it is. */
function withoutUnusedIncludes(message: Message): Message {
  const note = message as NotificationMessage;
  if (note.method !== 'textDocument/publishDiagnostics') return message;
  const params = note.params as { diagnostics?: { code?: unknown }[] } | undefined;
  if (!params?.diagnostics?.some((d) => d.code === UNUSED_INCLUDE_CODE)) return message;
  return { ...note, params: { ...params, diagnostics: params.diagnostics.filter((d) => d.code !== UNUSED_INCLUDE_CODE) } } as Message;
}
