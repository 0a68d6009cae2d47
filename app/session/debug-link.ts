import type { DebugBreakpoint, DebugState } from '../api/contract.js';
import type { GdbSession } from '../debug/gdb-session.js';
import { LabError } from '../errors.js';
import { ConsoleFlow } from './console-flow.js';
import { banner, type Emit } from './emit.js';
import type { InteractiveGuest } from './interactive.js';
import { QuietAfterCommandMs } from './slots-refresher.js';

/**
 * A debug boot's gdb as the workbench sees it (app/debug/ does the work):
 * its console with flow control, its state for the UI, and kshram.ko's
 * symbols following the module the student loads and unloads.
 */
export class DebugLink {
  /** gdb's console, with the same flow control as the guest's. */
  readonly flow = new ConsoleFlow();
  private debugState: DebugState | undefined;
  private guest: InteractiveGuest | undefined;
  private moduleSyncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: Emit,
    /** gdb's breakpoints changed (a click, or `break` typed in its console): the workspace keeps them. */
    private readonly onBreakpoints: (list: DebugBreakpoint[]) => void,
  ) {
    this.flow.onData((data) => this.emit('debug.console', { data }));
  }

  get state(): DebugState | undefined {
    return this.debugState;
  }

  /** gdb's recent console output, while there is a debug state to show it with. */
  get replay(): string | undefined {
    return this.debugState ? this.flow.replay : undefined;
  }

  /** The guest whose gdb this follows; a new boot forgets the last one's state. */
  follow(guest: InteractiveGuest): void {
    this.guest = guest;
    this.debugState = undefined;
  }

  attach(guest: InteractiveGuest, gdb: GdbSession): void {
    if (guest !== this.guest) return;
    this.flow.clearReplay();
    this.flow.attach(gdb);
    this.flow.push(banner(`gdb, attached to QEMU's gdbstub at 127.0.0.1:${gdb.state.port}. Click the editor's gutter to set a breakpoint; "SIGINT" stops are the workbench pausing the guest for a moment to load kshram.ko's symbols or set one`));
    this.flow.push(gdb.takeStartupOutput());
    gdb.onConsoleData((text) => this.flow.push(text));
    gdb.onState((state) => {
      if (state.phase !== 'ended') this.onBreakpoints(state.breakpoints);
      if (guest !== this.guest) return;
      this.setState(state);
    });
    this.setState(gdb.state);
  }

  /** The VM stopped: gdb ended with it. */
  ended(): void {
    this.guest = undefined;
    if (this.debugState && this.debugState.phase !== 'ended') this.setState({ ...this.debugState, phase: 'ended', stop: undefined, message: 'The VM stopped; gdb ended with it' });
    this.flow.attach(undefined);
    clearTimeout(this.moduleSyncTimer);
    this.moduleSyncTimer = undefined;
  }

  /** Another workspace: nothing of this one's gdb stays. */
  forget(): void {
    this.ended();
    this.debugState = undefined;
    this.flow.clearReplay();
  }

  get gdb(): GdbSession | undefined {
    return this.guest?.gdb;
  }

  require(): GdbSession {
    const gdb = this.gdb;
    if (!gdb) throw new LabError('VM_NOT_RUNNING', 'No debug boot is running.', 'Start one with Debug.');
    return gdb;
  }

  /** A command line went to the console: it may have loaded or unloaded kshram.ko, so gdb's symbols follow once it is done. */
  noteCommand(): void {
    this.armModuleSync();
  }

  /** Console output: the command is still talking. */
  noteOutput(): void {
    if (this.moduleSyncTimer) this.armModuleSync();
  }

  input(data: string): void {
    this.gdb?.write(data);
  }

  resize(cols: number, rows: number): void {
    this.gdb?.resize(cols, rows);
  }

  ack(chars: number): void {
    this.flow.ack(chars);
  }

  dispose(): void {
    clearTimeout(this.moduleSyncTimer);
    this.flow.dispose();
  }

  private setState(state: DebugState): void {
    this.debugState = state;
    this.emit('debug.state', state);
  }

  /** After the console has been quiet for a moment, gdb's kshram.ko symbols follow the guest's module. */
  private armModuleSync(): void {
    clearTimeout(this.moduleSyncTimer);
    this.moduleSyncTimer = setTimeout(() => {
      this.moduleSyncTimer = undefined;
      const vm = this.guest?.vm;
      if (!vm?.running || !vm.agent.ready) return;
      void this.gdb
        ?.syncModule(vm.agent)
        .catch(() => undefined)
        .then(() => this.guest?.module?.probe());
    }, QuietAfterCommandMs);
  }
}
