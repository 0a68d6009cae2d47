import type { ApiEvent, AppInfo, BuildOutcome, DebugState, EnvStatus, FileContent, GradeResult, SavedFile, SessionState, SlotsSnapshot, Template, VmStatus, WorkspaceInfo } from '../api/contract.js';
import { BreakpointStore, savedFrom } from '../debug/breakpoint-store.js';
import type { GdbSession } from '../debug/gdb-session.js';
import type { BreakpointToggle, DebugBreakpoint } from '../debug/state.js';
import { LabError } from '../errors.js';
import { Emitter, type Disposable, type Event } from '../events.js';
import { DEFAULT_TIME_LIMIT_MS } from '../grade/checklist.js';
import { CHECKLIST } from '../grade/items/table.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { LspHost } from '../lsp/host.js';
import { recentWorkspaces, rememberWorkspace } from '../workspace/recent.js';
import { createWorkspace } from '../workspace/templates.js';
import { Workspace } from '../workspace/workspace.js';
import { BuildQueue } from './build-queue.js';
import { CharCountAckSize, ConsoleFlow } from './console-flow.js';
import { banner, type Emit } from './emit.js';
import { probeEnvironment } from './environment.js';
import { GradeController } from './grade-controller.js';
import { InteractiveVm, type BootRequest } from './interactive-vm.js';
import { VmOperation } from './vm-operation.js';
import { WorkspaceMemory } from './workspace-memory.js';

export type { BootRequest } from './interactive-vm.js';

export interface SessionOptions {
  /** Open this workspace at once. */
  workspace?: string;
  kit?: string;
  version?: string;
}

/**
 * A lab session: one workspace, its builds (BuildQueue), at most one
 * interactive VM (InteractiveVm: console, slot view, gdb) and grades
 * (GradeController), which boot their own VM; one VM-owning operation at a
 * time (VmOperation). Both transports drive it through the API's commands
 * and forward its events.
 */
export class LabSession {
  private readonly eventEmitter = new Emitter<ApiEvent>();
  /** Every API event the session produces. */
  readonly onEvent = this.eventEmitter.event;
  private readonly emit: Emit = (name, payload) => {
    if (!this.disposed) this.eventEmitter.fire({ name, payload } as ApiEvent);
  };
  /** The terminal's console: the student's VM, or the grader's while a grade runs. */
  readonly flow = new ConsoleFlow();
  /** The editor's clangd for the open workspace (started when the editor asks). */
  readonly lsp: LspHost;
  private readonly builds: BuildQueue;
  private readonly vm: InteractiveVm;
  private readonly grades: GradeController;
  private readonly operation = new VmOperation();
  /** Each workspace's last build, grade and console, for when the student comes back to it. */
  private readonly memory = new WorkspaceMemory();
  private workspace: Workspace | undefined;
  /** The open workspace's breakpoints, kept between debug boots (app/debug/breakpoint-store.ts). */
  private breakpoints: BreakpointStore | undefined;
  private kitName: string;
  private env: EnvStatus | undefined;
  private disposed = false;

  constructor(private readonly options: SessionOptions = {}) {
    this.kitName = options.kit ?? DEFAULT_KIT;
    const emit = this.emit;
    this.lsp = new LspHost(this.kitName, {
      onMessage: (generation, message) => emit('lsp.message', { generation, message }),
      onStatus: (status) => emit('lsp.state', status),
    });
    this.flow.onData((data) => emit('console.data', { data }));
    this.builds = new BuildQueue(
      {
        workspaceDir: () => this.requireWorkspace().dir,
        kitName: () => this.kitName,
        // a build made while the VM runs reaches the guest, ready for insmod or Reload module
        onModule: (result, builtAt, kitName, dispose) => this.vm.offerBuild(result, builtAt, kitName, dispose),
      },
      emit,
    );
    // gdb's list is the workspace's while it runs: a `break` or `delete` typed in its console counts too
    this.vm = new InteractiveVm(this.flow, emit, (list) => void this.keepBreakpoints(list));
    this.grades = new GradeController(this.flow, emit);
  }

  /** Opens the workspace given at start-up, if any. */
  async init(): Promise<void> {
    if (this.options.workspace) await this.openWorkspace(this.options.workspace);
  }

  info(canPickFolder: boolean): AppInfo {
    return { version: this.options.version ?? '0', canPickFolder, consoleAckChars: CharCountAckSize, checklist: CHECKLIST.map((i) => ({ ...i })), timeLimitMs: DEFAULT_TIME_LIMIT_MS };
  }

  async state(): Promise<SessionState> {
    return {
      workspace: await this.workspace?.info(),
      vm: this.vm.status,
      building: this.builds.running,
      build: this.builds.last,
      slots: this.vm.slots,
      grade: this.grades.progress,
      consoleTail: this.flow.replay,
      breakpoints: this.breakpoints?.breakpoints,
      debug: this.vm.debugState,
      debugConsoleTail: this.vm.debug.replay,
    };
  }

  /** A terminal (re)connected: it repaints from state(), and flow control starts afresh. */
  clientConnected(): void {
    this.flow.reset();
    this.vm.debug.flow.reset();
  }

  // ------------------------------------------------------------ environment

  async envStatus(refresh = false): Promise<EnvStatus> {
    if (!this.env || refresh) this.env = await probeEnvironment(this.kitName);
    return this.env;
  }

  async selectKit(name: string): Promise<EnvStatus> {
    await loadKit(name);
    this.kitName = name;
    await this.lsp.setKit(name);
    const env = await this.envStatus(true);
    this.emit('env.changed', env);
    return env;
  }

  // ------------------------------------------------------------ workspace

  async openWorkspace(dir: string): Promise<WorkspaceInfo> {
    return this.useWorkspace(await Workspace.open(dir));
  }

  async createWorkspace(dir: string, template: Template): Promise<WorkspaceInfo> {
    return this.useWorkspace(await createWorkspace(dir, template));
  }

  recent(): Promise<string[]> {
    return recentWorkspaces();
  }

  readFile(path: string): Promise<FileContent> {
    return this.requireWorkspace().read(path);
  }

  async saveFile(path: string, content: string): Promise<SavedFile> {
    const saved = await this.requireWorkspace().save(path, content);
    void this.lsp.sourceSaved(path);
    return saved;
  }

  private async useWorkspace(workspace: Workspace): Promise<WorkspaceInfo> {
    this.operation.check('switching workspaces');
    await this.stop();
    await this.lsp.setWorkspace(workspace.dir);
    if (this.workspace) this.memory.keep(this.workspace.dir, { build: this.builds.last, grade: this.grades.progress, consoleTail: this.flow.replay });
    const kept = this.memory.recall(workspace.dir);
    this.workspace = workspace;
    this.breakpoints = await BreakpointStore.open(workspace.dir);
    this.builds.forget(kept?.build);
    this.vm.forget();
    this.grades.restore(kept?.grade);
    this.flow.replaceReplay(kept?.consoleTail ?? '');
    await rememberWorkspace(workspace.dir).catch(() => undefined);
    const info = await workspace.info();
    this.emit('workspace.changed', info);
    this.emit('debug.breakpoints', { breakpoints: this.breakpoints.breakpoints });
    return info;
  }

  private requireWorkspace(): Workspace {
    if (!this.workspace) throw new LabError('WORKSPACE_INVALID', 'No workspace is open.', 'Open a folder with your kshram.c, or create one from a template.');
    return this.workspace;
  }

  // ------------------------------------------------------------ build

  /** Builds kshram.c; a build asked for while one runs follows it (once, however often asked). */
  build(): Promise<BuildOutcome> {
    return this.builds.build();
  }

  // ------------------------------------------------------------ the interactive VM

  /** Boot (or, with `debug`, a debug boot: QEMU's gdbstub and gdb in a second terminal, app/debug/). */
  async boot(request: BootRequest): Promise<VmStatus> {
    const workspace = this.requireWorkspace();
    this.operation.check('booting');
    if (this.vm.up) return this.vm.status;
    return this.operation.run('boot', 'booting', async () => {
      await this.stop();
      this.throwIfDisposed();
      await this.vm.start({ workspaceDir: workspace.dir, kitName: this.kitName, breakpoints: this.breakpoints?.breakpoints ?? [], onBuilt: (outcome) => this.builds.built(outcome) }, request);
      return this.vm.status;
    });
  }

  stop(): Promise<VmStatus> {
    return this.vm.stop();
  }

  /** rmmod kshram and insmod the newest build the guest has (the result is in the status and the console). */
  reloadModule(): Promise<VmStatus> {
    return this.vm.reloadModule();
  }

  consoleInput(data: string): void {
    this.vm.input(data);
  }

  consoleResize(cols: number, rows: number): void {
    this.vm.resize(cols, rows);
  }

  consoleAck(chars: number): void {
    this.flow.ack(chars);
  }

  slotsSnapshot(): Promise<SlotsSnapshot> {
    return this.vm.slotsSnapshot();
  }

  // ------------------------------------------------------------ debugging (app/debug/)

  debugInput(data: string): void {
    this.vm.debug.input(data);
  }

  debugResize(cols: number, rows: number): void {
    this.vm.debug.resize(cols, rows);
  }

  debugAck(chars: number): void {
    this.vm.debug.ack(chars);
  }

  debugControl(action: 'continue' | 'step' | 'next' | 'finish' | 'interrupt'): Promise<DebugState> {
    return this.vm.debug.require().control(action);
  }

  /** Any time: kept for the workspace, and set in gdb when a debug boot runs. */
  async debugToggleBreakpoint(file: string, line: number): Promise<BreakpointToggle> {
    const gdb = this.vm.debug.gdb;
    if (gdb && gdb.state.phase !== 'ended') {
      const debug = await gdb.toggleBreakpoint(file, line);
      return { breakpoints: await this.keepBreakpoints(debug.breakpoints), debug };
    }
    if (!this.breakpoints) throw new LabError('WORKSPACE_INVALID', 'No workspace is open.', 'Open a folder with your kshram.c first.');
    const breakpoints = await this.breakpoints.toggle(file, line);
    this.emit('debug.breakpoints', { breakpoints });
    return { breakpoints };
  }

  private async keepBreakpoints(list: DebugBreakpoint[]): Promise<BreakpointToggle['breakpoints']> {
    const store = this.breakpoints;
    if (!store) return [];
    const before = store.breakpoints;
    const after = await store.replace(savedFrom(list));
    if (after !== before) this.emit('debug.breakpoints', { breakpoints: after });
    return after;
  }

  /** The debug boot's gdb: what the Variables, Watch and Call Stack panels read through (throws VM_NOT_RUNNING without one). */
  gdb(): GdbSession {
    return this.vm.debug.require();
  }

  // ------------------------------------------------------------ grading

  async grade(checked = false): Promise<GradeResult> {
    const workspace = this.requireWorkspace();
    return this.operation.run('grade', 'grading', async () => {
      // the course grades on a cold boot, and two TCG guests on two cores would slow each other
      if (this.vm.running) {
        await this.stop();
        this.flow.push(banner('stopped the VM: grading boots its own'));
      }
      this.throwIfDisposed();
      return this.grades.run(workspace, this.kitName, checked);
    });
  }

  cancelGrade(): void {
    this.grades.cancel();
  }

  /**
   * Sends the events of a feature built on the session from a floor above
   * (the workbench's Submit, app/submit) to the UI with the session's own.
   */
  forward(source: Event<ApiEvent>): Disposable {
    return source((event) => {
      if (!this.disposed) this.eventEmitter.fire(event);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.grades.cancel();
    await this.stop();
    await this.lsp.dispose();
    this.vm.dispose();
    this.flow.dispose();
    this.eventEmitter.dispose();
  }

  /** A VM-owning operation that resumes after dispose() must not start a VM nobody will stop. */
  private throwIfDisposed(): void {
    if (this.disposed) throw new LabError('CANCELLED', 'The lab session was closed.');
  }
}
