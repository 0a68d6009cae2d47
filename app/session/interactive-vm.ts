import type { BuildOutcome, DebugBreakpoint, DebugState, SavedBreakpoint, SlotsSnapshot, VmStatus } from '../api/contract.js';
import { LabError, toErrorData } from '../errors.js';
import { takeSlotSnapshot } from '../slots/snapshot.js';
import type { ConsoleFlow } from './console-flow.js';
import { toSlotsSnapshot } from './convert.js';
import { DebugLink } from './debug-link.js';
import { banner, type Emit } from './emit.js';
import { InteractiveGuest } from './interactive.js';
import { SlotsRefresher } from './slots-refresher.js';
import type { ModuleBuildResult } from '../build/module.js';

/** What Boot and Debug ask for. */
export interface BootRequest {
  /** The terminal's size, for the guest's tty. */
  cols: number;
  rows: number;
  /** insmod kshram.ko through the agent once the guest is up. */
  loadModule: boolean;
  /** The kernel's checkers on (app/checked); a debug kit checks anyway. */
  checked?: boolean;
  /** A debug boot: QEMU's gdbstub, gdb in a second terminal of this size; wait: stop at the first instruction. */
  debug?: { wait: boolean; cols: number; rows: number };
}

/** What a boot is of, fixed when it starts. */
export interface BootTarget {
  workspaceDir: string;
  kitName: string;
  /** The workspace's breakpoints: a debug boot sets them before the guest runs. */
  breakpoints: SavedBreakpoint[];
  /** The boot's own build is the workspace's last build. */
  onBuilt(outcome: BuildOutcome): void;
}

const STOPPED: VmStatus = { phase: 'stopped', message: 'Not running' };

/**
 * The student's VM: at most one interactive guest, its status, its
 * console (flow-controlled, shared with the grader's VM), the slot view
 * refreshed through the agent, and a debug boot's gdb.
 */
export class InteractiveVm {
  private guest: InteractiveGuest | undefined;
  private refresher: SlotsRefresher | undefined;
  private vmStatus: VmStatus = STOPPED;
  private lastSlots: SlotsSnapshot | undefined;
  readonly debug: DebugLink;

  constructor(
    /** The terminal's console: this VM's, and the grader's while a grade runs. */
    private readonly flow: ConsoleFlow,
    private readonly emit: Emit,
    onGdbBreakpoints: (list: DebugBreakpoint[]) => void,
  ) {
    this.debug = new DebugLink(emit, onGdbBreakpoints);
    this.flow.onData(() => {
      this.refresher?.noteOutput();
      this.debug.noteOutput();
    });
  }

  get status(): VmStatus {
    return this.vmStatus;
  }

  get slots(): SlotsSnapshot | undefined {
    return this.lastSlots;
  }

  get debugState(): DebugState | undefined {
    return this.debug.state;
  }

  /** A guest exists that is building, booting or running: Boot again answers with it. */
  get up(): boolean {
    return !!this.guest && ['building', 'booting', 'running'].includes(this.vmStatus.phase);
  }

  get running(): boolean {
    return !!this.guest;
  }

  async start(target: BootTarget, request: BootRequest): Promise<void> {
    this.flow.clearReplay();
    const guest: InteractiveGuest = new InteractiveGuest({
      kitName: target.kitName,
      workspaceDir: target.workspaceDir,
      cols: request.cols,
      rows: request.rows,
      loadModule: request.loadModule,
      checked: !!request.checked,
      onStatus: (status) => this.guestStatus(guest, status),
      onBuilt: (outcome) => target.onBuilt(outcome),
      onVmStarted: (vm) => this.flow.attach(vm),
      onConsoleData: (text) => this.flow.push(text),
      onBanner: (text) => this.flow.push(banner(text)),
      debug: request.debug && { ...request.debug, breakpoints: target.breakpoints, onDebugger: (gdb) => this.debug.attach(guest, gdb) },
    });
    this.guest = guest;
    this.debug.follow(guest);
    await guest.start();
  }

  async stop(): Promise<VmStatus> {
    const guest = this.guest;
    // a crash stays (the editor's marker, Problems) until the next boot: a Grade or a Stop does not undo it
    // (read before the stop: the guest's own status says "Stopped" once QEMU has gone)
    const crash = guest?.status.phase === 'crashed' ? guest.status.crash : undefined;
    this.guest = undefined;
    this.dropRefresher();
    await guest?.stop();
    this.debug.ended();
    if (guest) this.setStatus({ ...guest.status, phase: 'stopped', message: crash ? 'Stopped after a kernel crash' : 'Stopped', crash, findings: undefined, error: undefined, moduleLoaded: undefined, module: undefined });
    this.flow.attach(undefined);
    return this.vmStatus;
  }

  /** Another workspace: its VM's last status, slots and gdb are not this one's. */
  forget(): void {
    this.vmStatus = STOPPED;
    this.lastSlots = undefined;
    this.debug.forget();
  }

  /** A build made while the VM runs: the guest gets it at /lib/kshram/kshram.ko (see GuestModule). */
  offerBuild(result: ModuleBuildResult, builtAt: number, kitName: string, dispose: () => Promise<void>): Promise<boolean> {
    return this.guest?.offerBuild(result, builtAt, kitName, dispose) ?? Promise.resolve(false);
  }

  /** Reload module: rmmod and insmod of the newest build the guest has. */
  async reloadModule(): Promise<VmStatus> {
    if (!this.guest) throw new LabError('VM_NOT_RUNNING', 'The VM is not running.', 'Boot it first.');
    const result = await this.guest.reloadModule();
    if (!result.ok && !this.guest) throw new LabError('VM_NOT_RUNNING', 'The VM stopped during the reload.');
    return this.vmStatus;
  }

  input(data: string): void {
    this.guest?.write(data);
    if (!this.guest?.gdb) this.refresher?.noteInput(data);
    else if (/[\r\n]/.test(data)) this.debug.noteCommand();
  }

  resize(cols: number, rows: number): void {
    this.guest?.resize(cols, rows);
  }

  async slotsSnapshot(): Promise<SlotsSnapshot> {
    if (this.vmStatus.phase === 'crashed') throw new LabError('VM_NOT_RUNNING', 'The VM crashed: its slots are no longer read.', 'Fix the bug the kernel reported, then boot again.');
    if (this.guest?.gdb?.guestStopped) throw new LabError('VM_NOT_RUNNING', 'The guest is stopped in gdb.', 'Continue it (gdb tab) to read the slots.');
    if (!this.refresher) throw new LabError('VM_NOT_RUNNING', 'The VM is not running.', 'Boot it to see the slots.');
    return this.refresher.now();
  }

  dispose(): void {
    this.dropRefresher();
    this.debug.dispose();
  }

  /** Statuses of the current guest only: a stopped one may still report its end. */
  private guestStatus(guest: InteractiveGuest, status: VmStatus): void {
    if (guest !== this.guest) return;
    this.setStatus(status);
    if (status.phase === 'running') {
      const vm = guest.vm!;
      this.refresher ??= new SlotsRefresher(
        (request) =>
          takeSlotSnapshot(vm.agent, request)
            .then((snapshot) => {
              // the command may have loaded or unloaded kshram.ko: which build is loaded now
              void guest.module?.probe();
              return snapshot;
            })
            .then(toSlotsSnapshot)
            .catch((err): SlotsSnapshot => ({ loaded: false, slots: [], malformed: [], takenAt: Date.now(), error: toErrorData(err).message })),
        (snapshot) => this.setSlots(snapshot),
        // any kernel report, a warning included: the module's state can no longer be trusted
        () => !!vm.crashes.crash || vm.crashes.warnings.length > 0,
      );
      if (guest.gdb) this.debugSlotsNote();
      else this.refresher.request();
    } else {
      // after a crash the guest is not asked anything more: the cards keep what was last seen
      this.dropRefresher();
    }
  }

  private dropRefresher(): void {
    this.refresher?.dispose();
    this.refresher = undefined;
  }

  private setStatus(status: VmStatus): void {
    this.vmStatus = status;
    this.emit('vm.state', status);
  }

  private setSlots(snapshot: SlotsSnapshot): void {
    this.lastSlots = snapshot;
    this.emit('slots.snapshot', snapshot);
  }

  /**
   * The slot view's helper reads and maps the slots through kshram.ko: in a
   * debug boot it would stop at the student's breakpoints (kshram_mmap,
   * kshram_ioctl) before their own program does, so it reads only on request.
   */
  private debugSlotsNote(): void {
    this.setSlots({ loaded: false, slots: [], malformed: [], takenAt: Date.now(), error: 'not read automatically in a debug boot (the slot view would stop at your breakpoints); press ↻ to read them' });
  }
}
