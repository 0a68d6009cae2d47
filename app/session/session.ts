import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppInfo, BuildOutcome, DebugState, EnvStatus, EventName, EventPayloads, ApiEvent, FileContent, GradeResult, SavedFile, SessionState, SlotsSnapshot, Template, VmStatus, WorkspaceInfo } from '../api/contract.js';
import { buildModule } from '../build/module.js';
import { selectToolchain } from '../build/select.js';
import { LabError, toErrorData } from '../errors.js';
import { Emitter, type Disposable, type Event } from '../events.js';
import { DEFAULT_TIME_LIMIT_MS } from '../grade/checklist.js';
import { CHECKLIST } from '../grade/items/table.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { LspHost } from '../lsp/host.js';
import { moduleDir } from '../paths.js';
import { takeSlotSnapshot } from '../slots/snapshot.js';
import { recentWorkspaces, rememberWorkspace } from '../workspace/recent.js';
import { createWorkspace } from '../workspace/templates.js';
import { Workspace } from '../workspace/workspace.js';
import { CharCountAckSize, ConsoleFlow } from './console-flow.js';
import { toBuildOutcome, toSlotsSnapshot } from './convert.js';
import { probeEnvironment } from './environment.js';
import { WorkbenchGrade } from './workbench-grade.js';
import { InteractiveGuest } from './interactive.js';
import { QuietAfterCommandMs, SlotsRefresher } from './slots-refresher.js';
import type { GdbSession } from '../debug/gdb-session.js';
import { BreakpointStore, savedFrom } from '../debug/breakpoint-store.js';
import type { BreakpointToggle, DebugBreakpoint } from '../debug/state.js';

/** Host-side lines in the terminal are dim, so nobody takes them for guest output. */
const banner = (text: string): string => `\r\n\x1b[2m── kshram lab: ${text} ──\x1b[0m\r\n`;

export interface SessionOptions {
  /** Open this workspace at once. */
  workspace?: string;
  kit?: string;
  version?: string;
}

/**
 * A lab session: one workspace, its builds, at most one interactive VM
 * (console with flow control, slot view refreshed through the agent) and
 * grades, which boot their own VM. Both transports drive it through the
 * API's commands and forward its events.
 */
export class LabSession {
  private readonly eventEmitter = new Emitter<ApiEvent>();
  /** Every API event the session produces. */
  readonly onEvent = this.eventEmitter.event;
  readonly flow = new ConsoleFlow();
  /** gdb's console in a debug boot, with the same flow control as the guest's. */
  readonly debugFlow = new ConsoleFlow();
  private debugState: DebugState | undefined;
  private moduleSyncTimer: NodeJS.Timeout | undefined;
  private workspace: Workspace | undefined;
  /** The open workspace's breakpoints, kept between debug boots (app/debug/breakpoint-store.ts). */
  private breakpoints: BreakpointStore | undefined;
  private kitName: string;
  private guest: InteractiveGuest | undefined;
  private refresher: SlotsRefresher | undefined;
  private vmStatus: VmStatus = { phase: 'stopped', message: 'Not running' };
  private currentBuild: Promise<BuildOutcome> | undefined;
  private queuedBuild: Promise<BuildOutcome> | undefined;
  private lastBuild: BuildOutcome | undefined;
  private lastSlots: SlotsSnapshot | undefined;
  private workbenchGrade: WorkbenchGrade | undefined;
  private env: EnvStatus | undefined;
  private disposed = false;
  /**
   * The VM-owning operation in flight (a boot until its guest is up, a
   * grade until it ends), claimed before the first await: a second one
   * (a double click is enough) is answered BUSY instead of racing it.
   */
  private vmOperation: 'boot' | 'grade' | undefined;
  /** The editor's clangd for the open workspace (started when the editor asks). */
  readonly lsp: LspHost;

  constructor(private readonly options: SessionOptions = {}) {
    this.kitName = options.kit ?? DEFAULT_KIT;
    this.lsp = new LspHost(this.kitName, {
      onMessage: (generation, message) => this.emit('lsp.message', { generation, message }),
      onStatus: (status) => this.emit('lsp.state', status),
    });
    this.flow.onData((data) => {
      this.emit('console.data', { data });
      this.refresher?.noteOutput();
      if (this.moduleSyncTimer) this.armModuleSync();
    });
    this.debugFlow.onData((data) => this.emit('debug.console', { data }));
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
      vm: this.vmStatus,
      building: !!this.currentBuild,
      build: this.lastBuild,
      slots: this.lastSlots,
      grade: this.workbenchGrade?.progress,
      consoleTail: this.flow.replay,
      breakpoints: this.breakpoints?.breakpoints,
      debug: this.debugState,
      debugConsoleTail: this.debugState ? this.debugFlow.replay : undefined,
    };
  }

  /** A terminal (re)connected: it repaints from state(), and flow control starts afresh. */
  clientConnected(): void {
    this.flow.reset();
    this.debugFlow.reset();
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
    if (this.vmOperation) throw busy(this.vmOperation, 'switching workspaces');
    await this.stop();
    await this.lsp.setWorkspace(workspace.dir);
    this.workspace = workspace;
    this.breakpoints = await BreakpointStore.open(workspace.dir);
    this.lastBuild = undefined;
    this.lastSlots = undefined;
    this.workbenchGrade = undefined;
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
    if (this.queuedBuild) return this.queuedBuild;
    if (this.currentBuild) {
      this.queuedBuild = this.currentBuild
        .catch(() => undefined)
        .then(() => {
          this.queuedBuild = undefined;
          return this.startBuild();
        });
      return this.queuedBuild;
    }
    return this.startBuild();
  }

  private startBuild(): Promise<BuildOutcome> {
    const running = this.runBuild();
    this.currentBuild = running;
    const done = (): void => {
      if (this.currentBuild === running) this.currentBuild = undefined;
    };
    running.then(done, done);
    return running;
  }

  private async runBuild(): Promise<BuildOutcome> {
    const workspace = this.requireWorkspace();
    this.emit('build.state', { running: true });
    const workDir = await mkdtemp(join(tmpdir(), 'kshram-build-'));
    try {
      const kit = await loadKit(this.kitName);
      const toolchain = await selectToolchain(kit);
      const result = await buildModule({ dir: workspace.dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: join(workDir, 'kshram') });
      return this.built(toBuildOutcome(result, kit.name));
    } catch (err) {
      this.emit('build.state', { running: false, error: toErrorData(err) });
      throw err;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private built(outcome: BuildOutcome): BuildOutcome {
    this.lastBuild = outcome;
    this.emit('build.state', { running: false, result: outcome });
    return outcome;
  }

  // ------------------------------------------------------------ the interactive VM

  /** A debug boot (app/debug/): as boot(), with QEMU's gdbstub and gdb in a second terminal. */
  debugBoot(cols: number, rows: number, loadModule: boolean, debug: { wait: boolean; cols: number; rows: number }): Promise<VmStatus> {
    return this.boot(cols, rows, loadModule, debug);
  }

  async boot(cols: number, rows: number, loadModule: boolean, debug?: { wait: boolean; cols: number; rows: number }, checked = false): Promise<VmStatus> {
    const workspace = this.requireWorkspace();
    if (this.vmOperation) throw busy(this.vmOperation, 'booting');
    if (this.guest && ['building', 'booting', 'running'].includes(this.vmStatus.phase)) return this.vmStatus;
    this.vmOperation = 'boot';
    try {
      await this.stop();
      await this.startGuest(workspace, cols, rows, loadModule, debug, checked);
    } finally {
      this.vmOperation = undefined;
    }
    return this.vmStatus;
  }

  private async startGuest(workspace: Workspace, cols: number, rows: number, loadModule: boolean, debug: { wait: boolean; cols: number; rows: number } | undefined, checked: boolean): Promise<void> {
    this.throwIfDisposed();
    this.flow.clearReplay();
    this.debugState = undefined;
    const guest: InteractiveGuest = new InteractiveGuest({
      kitName: this.kitName,
      workspaceDir: workspace.dir,
      cols,
      rows,
      loadModule,
      checked,
      onStatus: (status) => this.guestStatus(guest, status),
      onBuilt: (outcome) => this.built(outcome),
      onVmStarted: (vm) => this.flow.attach(vm),
      onConsoleData: (text) => this.flow.push(text),
      onBanner: (text) => this.flow.push(banner(text)),
      debug: debug && { ...debug, breakpoints: this.breakpoints?.breakpoints ?? [], onDebugger: (gdb) => this.attachDebugger(guest, gdb) },
    });
    this.guest = guest;
    await guest.start();
  }

  /** Statuses of the current guest only: a stopped one may still report its end. */
  private guestStatus(guest: InteractiveGuest, status: VmStatus): void {
    if (guest !== this.guest) return;
    this.setVmStatus(status);
    if (status.phase === 'running') {
      const vm = guest.vm!;
      this.refresher ??= new SlotsRefresher(
        (request) =>
          takeSlotSnapshot(vm.agent, request)
            .then(toSlotsSnapshot)
            .catch((err): SlotsSnapshot => ({ loaded: false, slots: [], malformed: [], takenAt: Date.now(), error: toErrorData(err).message })),
        (snapshot) => {
          this.lastSlots = snapshot;
          this.emit('slots.snapshot', snapshot);
        },
        // any kernel report, a warning included: the module's state can no longer be trusted
        () => !!vm.crashes.crash || vm.crashes.warnings.length > 0,
      );
      if (guest.gdb) this.debugSlotsNote();
      else this.refresher.request();
    } else {
      // after a crash the guest is not asked anything more: the cards keep what was last seen
      this.refresher?.dispose();
      this.refresher = undefined;
    }
  }

  private setVmStatus(status: VmStatus): void {
    this.vmStatus = status;
    this.emit('vm.state', status);
  }

  async stop(): Promise<VmStatus> {
    const guest = this.guest;
    this.guest = undefined;
    this.refresher?.dispose();
    this.refresher = undefined;
    if (guest) {
      await guest.stop();
      if (this.debugState && this.debugState.phase !== 'ended') {
        this.debugState = { ...this.debugState, phase: 'ended', stop: undefined, message: 'The VM stopped; gdb ended with it' };
        this.emit('debug.state', this.debugState);
      }
      this.setVmStatus({ ...guest.status, phase: 'stopped', message: 'Stopped', crash: undefined, findings: undefined, error: undefined, moduleLoaded: undefined });
    }
    this.flow.attach(undefined);
    this.debugFlow.attach(undefined);
    clearTimeout(this.moduleSyncTimer);
    this.moduleSyncTimer = undefined;
    return this.vmStatus;
  }

  consoleInput(data: string): void {
    this.guest?.write(data);
    if (!this.guest?.gdb) this.refresher?.noteInput(data);
    // a command may have loaded or unloaded kshram.ko: gdb's symbols follow once it is done
    else if (/[\r\n]/.test(data)) this.armModuleSync();
  }

  consoleResize(cols: number, rows: number): void {
    this.guest?.resize(cols, rows);
  }

  consoleAck(chars: number): void {
    this.flow.ack(chars);
  }

  async slotsSnapshot(): Promise<SlotsSnapshot> {
    if (this.vmStatus.phase === 'crashed') throw new LabError('VM_NOT_RUNNING', 'The VM crashed: its slots are no longer read.', 'Fix the bug the kernel reported, then boot again.');
    if (this.guest?.gdb?.guestStopped) throw new LabError('VM_NOT_RUNNING', 'The guest is stopped in gdb.', 'Continue it (gdb tab) to read the slots.');
    if (!this.refresher) throw new LabError('VM_NOT_RUNNING', 'The VM is not running.', 'Boot it to see the slots.');
    return this.refresher.now();
  }

  // ------------------------------------------------------------ debugging (app/debug/)

  private attachDebugger(guest: InteractiveGuest, gdb: GdbSession): void {
    if (guest !== this.guest) return;
    this.debugFlow.clearReplay();
    this.debugFlow.attach(gdb);
    this.debugFlow.push(banner(`gdb, attached to QEMU's gdbstub at 127.0.0.1:${gdb.state.port}. Click the editor's gutter to set a breakpoint; "SIGINT" stops are the workbench pausing the guest for a moment to load kshram.ko's symbols or set one`));
    this.debugFlow.push(gdb.takeStartupOutput());
    gdb.onConsoleData((text) => this.debugFlow.push(text));
    gdb.onState((state) => {
      // gdb's list is the workspace's while it runs: a `break` or `delete` typed in its console counts too
      if (state.phase !== 'ended') void this.keepBreakpoints(state.breakpoints);
      if (guest !== this.guest) return;
      this.debugState = state;
      this.emit('debug.state', state);
    });
    this.debugState = gdb.state;
    this.emit('debug.state', gdb.state);
  }

  /** The debug boot's gdb: what the Variables, Watch and Call Stack panels read through. */
  gdb(): GdbSession {
    return this.requireDebugger();
  }

  private requireDebugger(): GdbSession {
    const gdb = this.guest?.gdb;
    if (!gdb) throw new LabError('VM_NOT_RUNNING', 'No debug boot is running.', 'Start one with Debug.');
    return gdb;
  }

  /**
   * The slot view's helper reads and maps the slots through kshram.ko: in a
   * debug boot it would stop at the student's breakpoints (kshram_mmap,
   * kshram_ioctl) before their own program does, so it reads only on request.
   */
  private debugSlotsNote(): void {
    const snapshot: SlotsSnapshot = { loaded: false, slots: [], malformed: [], takenAt: Date.now(), error: 'not read automatically in a debug boot (the slot view would stop at your breakpoints); press ↻ to read them' };
    this.lastSlots = snapshot;
    this.emit('slots.snapshot', snapshot);
  }

  /** After the console has been quiet for a moment, gdb's kshram.ko symbols follow the guest's module. */
  private armModuleSync(): void {
    clearTimeout(this.moduleSyncTimer);
    this.moduleSyncTimer = setTimeout(() => {
      this.moduleSyncTimer = undefined;
      const vm = this.guest?.vm;
      if (vm?.running && vm.agent.ready) void this.guest?.gdb?.syncModule(vm.agent).catch(() => undefined);
    }, QuietAfterCommandMs);
  }

  debugInput(data: string): void {
    this.guest?.gdb?.write(data);
  }

  debugResize(cols: number, rows: number): void {
    this.guest?.gdb?.resize(cols, rows);
  }

  debugAck(chars: number): void {
    this.debugFlow.ack(chars);
  }

  debugControl(action: 'continue' | 'step' | 'next' | 'finish' | 'interrupt'): Promise<DebugState> {
    return this.requireDebugger().control(action);
  }

  /** Any time: kept for the workspace, and set in gdb when a debug boot runs. */
  async debugToggleBreakpoint(file: string, line: number): Promise<BreakpointToggle> {
    const gdb = this.guest?.gdb;
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

  // ------------------------------------------------------------ grading

  async grade(checked = false): Promise<GradeResult> {
    const workspace = this.requireWorkspace();
    if (this.vmOperation) throw busy(this.vmOperation, 'grading');
    this.vmOperation = 'grade';
    try {
      return await this.runGrade(workspace, checked);
    } finally {
      this.vmOperation = undefined;
    }
  }

  private async runGrade(workspace: Workspace, checked: boolean): Promise<GradeResult> {
    // the course grades on a cold boot, and two TCG guests on two cores would slow each other
    if (this.guest) {
      await this.stop();
      this.flow.push(banner('stopped the VM: grading boots its own'));
    }
    this.throwIfDisposed();
    this.flow.push(banner('grading: the grader\'s VM console follows (read-only)'));
    const run = new WorkbenchGrade(workspace.dir, this.kitName, checked, {
      onStage: (stage, detail, vmStartedAt) => this.emit('grade.stage', { stage, detail, vmStartedAt }),
      onItemStart: (id) => this.emit('grade.itemStart', { id }),
      onItemEnd: (item) => this.emit('grade.itemEnd', { item }),
      onDone: (outcome) => {
        this.flow.push(banner(outcome.result ? `graded: ${outcome.result.total}/${outcome.result.max}` : `grading stopped: ${outcome.error?.message ?? ''}`));
        this.emit('grade.done', outcome);
      },
      onConsoleData: (text) => this.flow.push(text),
    });
    this.workbenchGrade = run;
    this.emit('grade.stage', { stage: 'build', detail: 'starting' });
    return run.run();
  }

  cancelGrade(): void {
    this.workbenchGrade?.cancel();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.workbenchGrade?.cancel();
    await this.stop();
    await this.lsp.dispose();
    this.flow.dispose();
    this.debugFlow.dispose();
    this.eventEmitter.dispose();
  }

  /** A VM-owning operation that resumes after dispose() must not start a VM nobody will stop. */
  private throwIfDisposed(): void {
    if (this.disposed) throw new LabError('CANCELLED', 'The lab session was closed.');
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

  private emit<K extends EventName>(name: K, payload: EventPayloads[K]): void {
    if (!this.disposed) this.eventEmitter.fire({ name, payload } as ApiEvent);
  }
}

function busy(running: 'boot' | 'grade', asked: string): LabError {
  const what = running === 'boot' ? 'The VM is booting' : 'A grade is running in its own VM';
  return new LabError('BUSY', `${what}: wait for it before ${asked}.`, running === 'grade' ? 'Wait for the grade to finish, or cancel it.' : 'Wait for the boot to finish, or stop the VM.');
}
