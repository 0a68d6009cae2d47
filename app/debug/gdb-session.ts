import { basename } from 'node:path';
import pty from 'node-pty';
import type { DebugBreakpoint, DebugState } from './state.js';
import { LabError } from '../errors.js';
import { Emitter } from '../events.js';
import type { AgentClient } from '../agent/agent.js';
import { run, withParentDeathSignal } from '../process.js';
import { GDB_HOST } from './free-port.js';
import { GDB_BINARY } from './gdb-binary.js';
import { gdbSymbolFile } from './symbol-file.js';
import { STEP_ALONE } from './gdb-script.js';
import { doInitModuleAddress, kshramCondition, probeModuleLayout, readInitSections, type ModuleLayout } from './init-hook.js';
import { miQuote, miString, type MiRecord, type MiTuple, type MiValue } from './mi.js';
import { MiChannel } from './mi-channel.js';
import { addSymbolFileCommand, readModuleSections, removeSymbolFileCommand, sameSections, type SectionMap } from '../symbols/sections.js';

/** gdb prints its version at once. */
const VERSION_TIMEOUT_MS = 10_000;
/** gdb starts and opens the MI terminal within a second; a busy host may take longer. */
const GDB_START_MS = 20_000;
/** Connecting to QEMU's gdbstub on the loopback is immediate once QEMU listens. */
const CONNECT_TIMEOUT_MS = 20_000;
/** An interrupt of a running TCG guest takes effect at its next translation block. */
const INTERRUPT_WAIT_MS = 10_000;
/**
 * How often the guest is asked whether kshram.ko was (re)loaded, besides
 * after each console command: insmod under a loaded TCG host can finish
 * well after the console went quiet. One grep in the guest costs little.
 */
const MODULE_POLL_MS = 2_000;
/** The module whose symbols gdb loads. */
const MODULE = 'kshram';

export interface GdbSessionOptions {
  port: number;
  /** The kshram.ko that was put in the guest (with DWARF), when it built. */
  koPath?: string;
  /** Stay stopped at the first instruction (QEMU -S) until the student continues. */
  wait: boolean;
  cols: number;
  rows: number;
}

/** The workspace file name for a source path gdb reports (the build used a private copy). */
function workspaceFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const name = basename(path);
  return ['kshram.c', 'kshram.h'].includes(name) ? name : undefined;
}

function breakpointFrom(bkpt: MiValue | undefined): DebugBreakpoint | undefined {
  if (!bkpt || typeof bkpt === 'string' || Array.isArray(bkpt)) return undefined;
  const id = Number(miString(bkpt, 'number'));
  if (!Number.isInteger(id)) return undefined; // a location of a multi-location breakpoint ("1.2")
  // several locations (an inlined function): the first tells the line
  const first = Array.isArray(bkpt.locations) ? (bkpt.locations[0] as MiTuple | undefined) : undefined;
  const file = workspaceFile(miString(bkpt, 'fullname') ?? miString(bkpt, 'file') ?? miString(first, 'fullname'));
  const line = Number(miString(bkpt, 'line') ?? miString(first, 'line'));
  const pending = miString(bkpt, 'pending');
  if (pending) {
    // "kshram.c:131" as it was asked for
    const match = /^(?:.*\/)?([^/:]+):(\d+)$/.exec(pending);
    return { id, file: workspaceFile(match?.[1]), line: match ? Number(match[2]) : undefined, pending: true };
  }
  return { id, file, line: Number.isInteger(line) && line > 0 ? line : undefined, pending: false };
}

/**
 * The debug boot's gdb: Debian's gdb attached to QEMU's gdbstub, its
 * console in a pty the student types into (the second terminal tab), and
 * a machine-interface channel beside it (`new-ui mi3`) that the workbench
 * drives: breakpoints from the editor's gutter, Continue/Step/Next/Finish,
 * the module's symbols at the addresses it was loaded at. Both UIs see the
 * same gdb, so a `break` typed in the console shows in the gutter and a
 * stop caused by the buttons prints in the console.
 */
export class GdbSession {
  private readonly dataEmitter = new Emitter<string>();
  private readonly stateEmitter = new Emitter<DebugState>();
  /** gdb's console output. */
  readonly onConsoleData = this.dataEmitter.event;
  readonly onState = this.stateEmitter.event;
  private current: DebugState;
  private readonly breakpoints = new Map<number, DebugBreakpoint>();
  private sections: SectionMap | undefined;
  /** Set while the engine stopped the guest for its own work (symbols, a breakpoint while running). */
  private internalStop: ((record: MiRecord) => void) | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private ended = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /**
   * A step, next or finish from a button is running: gdb prints where it
   * ended only on the UI that asked (MI), so the console gets a line.
   */
  private stepByButton = false;
  /** Console output until the owner first takes it (gdb prints before anyone listens). */
  private startup: string | undefined = '';
  /** Stops seen so far, of any kind: tells whether the guest stopped during an agent call. */
  private stops = 0;
  /** struct module's layout from kshram.ko's DWARF, read once gdb starts (host only). */
  private layout: Promise<ModuleLayout | undefined> = Promise.resolve(undefined);
  /** The hidden breakpoint at do_init_module (init-hook.ts), once set. */
  private hookId: number | undefined;
  private hookAddress = 0n;
  /** The guest is stopped at that breakpoint: the engine resumes it, the student never sees the stop. */
  private hookHeld = false;

  private constructor(
    private readonly proc: pty.IPty,
    private readonly mi: MiChannel,
    private readonly options: GdbSessionOptions,
  ) {
    this.current = { phase: 'starting', port: options.port, breakpoints: [], symbolsLoaded: false, message: 'Starting gdb' };
    proc.onData((data) => {
      if (this.startup !== undefined) this.startup += data;
      this.dataEmitter.fire(data);
    });
    proc.onExit(({ exitCode }) => {
      this.ended = true;
      clearInterval(this.pollTimer);
      this.mi.close();
      this.update({ phase: 'ended', stop: undefined, message: `gdb ended (status ${exitCode}); the VM keeps running` });
    });
    mi.onAsync((record) => this.onRecord(record));
  }

  /** Starts gdb, connects it to QEMU and (unless waiting) lets the guest run. */
  static async start(given: GdbSessionOptions): Promise<GdbSession> {
    const options = { ...given, koPath: given.koPath && (await gdbSymbolFile(given.koPath)) };
    await run(GDB_BINARY, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS }).catch(() => {
      throw new LabError('GDB_MISSING', `gdb (${GDB_BINARY}) is not installed.`, 'Install it: apt-get install gdb (Debian/Ubuntu); or run npm run setup.');
    });
    const mi = await MiChannel.open();
    const tty = await mi.tty;
    let proc: pty.IPty;
    try {
      // -nx: no ~/.gdbinit of the user's changes what the buttons rely on; the kernel kills gdb when we die
      const [command, args] = withParentDeathSignal(GDB_BINARY, ['-q', '-nx', '-iex', 'set pagination off', '-iex', 'set confirm off', '-iex', 'set breakpoint pending on', '-iex', 'set mi-async on', '-ex', `new-ui mi3 ${tty}`]);
      proc = pty.spawn(
        command,
        args,
        { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: process.cwd(), env: process.env },
      );
    } catch {
      mi.close();
      throw new LabError('GDB_MISSING', `gdb (${GDB_BINARY}) could not be started.`, 'Install it: apt-get install gdb; or run npm run setup.');
    }
    const session = new GdbSession(proc, mi, options);
    if (options.koPath) session.layout = probeModuleLayout(options.koPath).catch(() => undefined);
    try {
      await session.waitForMi();
      await mi.command(`-target-select remote ${GDB_HOST}:${options.port}`, CONNECT_TIMEOUT_MS);
      await mi.command(`-gdb-set ${STEP_ALONE}`);
      // QEMU stops the guest when gdb attaches; a plain debug boot goes on at once
      if (options.wait) session.update({ phase: 'stopped', stop: { reason: 'waiting at the first instruction (--wait): press Continue' }, message: 'Stopped at the first instruction' });
      else await session.go('continue');
    } catch (err) {
      session.dispose();
      throw err instanceof LabError ? err : new LabError('GDB_FAILED', `gdb could not attach to the VM: ${(err as Error).message}`);
    }
    return session;
  }

  /** What gdb printed so far, once: the caller listens to onConsoleData from here on. */
  takeStartupOutput(): string {
    const text = this.startup ?? '';
    this.startup = undefined;
    return text;
  }

  get state(): DebugState {
    return this.current;
  }

  /** True while gdb holds the guest stopped: the agent cannot answer then. */
  get guestStopped(): boolean {
    return this.current.phase === 'stopped' || this.current.phase === 'starting' || !!this.internalStop || this.hookHeld;
  }

  write(data: string): void {
    if (!this.ended) this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.proc.resize(cols, rows);
  }

  pause(): void {
    if (!this.ended) this.proc.pause();
  }

  resume(): void {
    if (!this.ended) this.proc.resume();
  }

  /** Continue / Step / Next / Finish from the buttons, or Interrupt. */
  async control(action: 'continue' | 'step' | 'next' | 'finish' | 'interrupt'): Promise<DebugState> {
    this.requireLive();
    if (action === 'interrupt') {
      if (this.current.phase === 'running') await this.mi.command('-exec-interrupt');
      return this.current;
    }
    if (this.current.phase !== 'stopped') throw new LabError('BAD_ARGUMENT', 'The guest is running.', 'Set a breakpoint and let the guest reach it, or interrupt it first.');
    await this.go(action);
    return this.current;
  }

  /** Sets a breakpoint at file:line, or deletes the one the student set there. */
  toggleBreakpoint(file: string, line: number): Promise<DebugState> {
    this.requireLive();
    return this.serialize(async () => {
      const existing = [...this.breakpoints.values()].find((b) => b.file === file && b.line === line);
      await this.whileStopped(async () => {
        if (existing) {
          await this.mi.command(`-break-delete ${existing.id}`);
          this.breakpoints.delete(existing.id);
        } else {
          // -f: pending until kshram.ko's symbols are loaded
          const done = await this.mi.command(`-break-insert -f ${file}:${line}`);
          const bp = breakpointFrom(done.results.bkpt);
          if (bp) this.breakpoints.set(bp.id, { ...bp, file: bp.file ?? file, line: bp.line ?? line });
        }
      });
      this.update({});
      return this.current;
    });
  }

  /**
   * Loads kshram.ko's symbols where the guest put the module (read from
   * /sys/module/kshram/sections through the agent), again after every
   * reload, and drops them when it is unloaded. Pending breakpoints
   * resolve then. Called after the workbench's insmod and after each
   * console command; never while gdb holds the guest (the agent is frozen
   * too).
   */
  async syncModule(agent: AgentClient): Promise<void> {
    if (this.ended || !this.options.koPath || this.guestStopped) return;
    const stopsBefore = this.stops;
    // read outside the queue: a read that stalls (the guest stopped meanwhile) must not hold up the gutter
    let sections: SectionMap | undefined;
    try {
      sections = await readModuleSections(agent, MODULE);
    } catch {
      return;
    }
    if (this.stops !== stopsBefore) return; // the guest stopped while we read: the answer may be stale
    await this.serialize(async () => {
      if (this.ended || sameSections(sections, this.sections)) return;
      const old = this.sections;
      this.sections = sections;
      await this.whileStopped(async () => {
        if (old) await this.mi.command(`-interpreter-exec console ${miQuote(removeSymbolFileCommand(old))}`).catch(() => undefined);
        if (sections) await this.mi.command(`-interpreter-exec console ${miQuote(addSymbolFileCommand(this.options.koPath!, sections))}`);
      });
      await this.refreshBreakpoints();
      this.update({ symbolsLoaded: !!sections, message: sections ? `kshram.ko symbols loaded at .text 0x${sections.get('.text')!.toString(16)}` : 'kshram.ko is not loaded' });
    });
  }

  /**
   * Makes breakpoints in kshram_init work: a hidden breakpoint at
   * do_init_module, which the kernel calls once the module's sections are in
   * place and before its init runs. When kshram is the module (the
   * condition, evaluated by gdb: other modules resume without a reported
   * stop) and a breakpoint waits for symbols, they are loaded at the
   * addresses load_module chose, .init.text included, so the breakpoint
   * resolves before kshram_init runs; then the guest goes on. Called once
   * the agent is up (do_init_module's address is read from /proc/kallsyms)
   * and before the boot's insmod. Without a layout or an address, init
   * breakpoints stay pending as before: the rest of debugging works.
   */
  async armInitHook(agent: AgentClient): Promise<void> {
    if (this.ended || this.hookId !== undefined || this.guestStopped) return;
    const layout = await this.layout;
    const address = layout && (await doInitModuleAddress(agent).catch(() => undefined));
    if (this.ended) return;
    if (!layout || !address) {
      this.update({ message: `Breakpoints in kshram_init will not stop: ${layout ? "do_init_module's address is not in the guest's /proc/kallsyms" : "kshram.ko's debug info has no struct module"}` });
      return;
    }
    await this.serialize(() =>
      this.whileStopped(async () => {
        const done = await this.mi.command(`-break-insert -c ${miQuote(kshramCondition(layout))} *0x${address.toString(16)}`);
        const id = Number(miString(done.results.bkpt, 'number'));
        if (!Number.isInteger(id)) return;
        this.hookId = id;
        this.hookAddress = address;
        // no "Breakpoint N, 0x… in ?? ()" in the student's console for a stop they never see
        await this.mi.command(`-break-commands ${id} "silent"`);
        this.breakpoints.delete(id);
      }),
    );
  }

  /** Keeps the module's symbols in step with the guest from now on (the agent is up). */
  watchModule(agent: AgentClient): void {
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => void this.syncModule(agent).catch(() => undefined), MODULE_POLL_MS);
    this.pollTimer.unref();
  }

  /** Kills gdb (the VM is the caller's); listeners hear that it ended. */
  dispose(): void {
    clearInterval(this.pollTimer);
    this.mi.close();
    if (!this.ended) {
      this.ended = true;
      this.update({ phase: 'ended', stop: undefined, message: 'The VM ended; gdb with it' });
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    this.dataEmitter.dispose();
    this.stateEmitter.dispose();
  }

  private requireLive(): void {
    if (this.ended) throw new LabError('GDB_FAILED', 'gdb is not running.', 'Stop the VM and start a new debug boot.');
  }

  private async go(action: 'continue' | 'step' | 'next' | 'finish'): Promise<void> {
    this.stepByButton = action !== 'continue';
    this.update({ phase: 'running', stop: undefined, message: 'Running' });
    await this.mi.command(`-exec-${action}`);
  }

  /** One engine operation at a time: two would interleave interrupts and continues. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.busy.then(work, work);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` with the guest stopped: in all-stop mode gdb can neither
   * insert breakpoints nor load symbols into a running remote target. A
   * running guest is interrupted and continued afterwards, unless it
   * stopped for a reason of its own meanwhile (a breakpoint was hit).
   */
  private async whileStopped(work: () => Promise<void>): Promise<void> {
    // held by the init hook: stopped already, and the hook resumes it
    if (this.current.phase !== 'running' || this.hookHeld) return work();
    let record: MiRecord | undefined;
    const stopped = new Promise<MiRecord>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LabError('GDB_FAILED', 'The guest did not stop for gdb.')), INTERRUPT_WAIT_MS);
      this.internalStop = (record) => {
        clearTimeout(timer);
        resolve(record);
      };
    });
    try {
      // fails when the guest stopped on its own just before (the stop is in `stopped` then)
      await this.mi.command('-exec-interrupt').catch(() => undefined);
      record = await stopped;
      this.internalStop = undefined;
      await work();
    } finally {
      this.internalStop = undefined;
      // whether or not the work succeeded: a guest the engine stopped must not stay stopped
      if (record) await this.resumeAfter(record);
    }
  }

  /** After the engine's own work: resumes a guest it stopped (its SIGINT is no hook stop), else as any stop. */
  private async resumeAfter(record: MiRecord): Promise<void> {
    if (miString(record.results, 'signal-name') !== 'SIGINT') return this.onMaybeHookStop(record);
    this.hookHeld = false;
    await this.mi.command('-exec-continue');
  }

  /**
   * Could `record` be the hook's stop? Its breakpoint is `silent` (nothing
   * in the student's console), and gdb then reports the stop without a
   * reason, frame or breakpoint number: any reasonless stop is a candidate.
   */
  private mayBeHookStop(record: MiRecord): boolean {
    if (this.hookId === undefined) return false;
    const bkptno = miString(record.results, 'bkptno');
    return bkptno === String(this.hookId) || (!bkptno && !miString(record.results, 'reason'));
  }

  /** A candidate is the hook's stop when the guest stands at do_init_module. */
  private async isHookStop(record: MiRecord): Promise<boolean> {
    if (!this.mayBeHookStop(record)) return false;
    const pc = await this.mi.command('-data-evaluate-expression "(unsigned long)$pc"').catch(() => undefined);
    return BigInt(miString(pc?.results, 'value') ?? '0') === this.hookAddress;
  }

  /** A stop that may be the hook's: the hook runs and the guest goes on, or the student sees the stop. */
  private async onMaybeHookStop(record: MiRecord): Promise<void> {
    if (await this.isHookStop(record)) return this.runInitHook();
    this.hookHeld = false;
    this.stoppedAt(record);
  }

  /**
   * The guest is at do_init_module for kshram: loads the symbols with
   * .init.text when a breakpoint waits for them, then lets init run. Never
   * leaves the guest stopped unseen: if gdb refuses to continue, the
   * student gets a stop and the Continue button.
   */
  private async runInitHook(): Promise<void> {
    try {
      // not only pending ones: after init, a breakpoint in kshram_init stays resolved at gdb's placeholder address
      if (this.breakpoints.size > 0) await this.loadInitSymbols();
    } catch (err) {
      this.update({ message: `kshram.ko's symbols could not be loaded before its init: ${(err as Error).message}` });
    }
    this.hookHeld = false;
    try {
      await this.mi.command('-exec-continue');
    } catch (err) {
      this.update({ phase: 'stopped', stop: { reason: `stopped before kshram's init (${(err as Error).message}): press Continue` }, message: 'Stopped before kshram_init' });
    }
  }

  private async loadInitSymbols(): Promise<void> {
    const sections = await readInitSections(this.mi, await this.layout.then((l) => l!));
    const old = this.sections;
    // a quick rmmod + insmod: the poll may not have dropped the previous load yet
    if (old) await this.mi.command(`-interpreter-exec console ${miQuote(removeSymbolFileCommand(old))}`).catch(() => undefined);
    this.sections = sections;
    await this.mi.command(`-interpreter-exec console ${miQuote(addSymbolFileCommand(this.options.koPath!, sections))}`);
    await this.refreshBreakpoints();
    this.update({ symbolsLoaded: true, message: `kshram.ko symbols loaded before its init, .init.text at 0x${sections.get('.init.text')!.toString(16)}` });
  }

  private async waitForMi(): Promise<void> {
    const deadline = Date.now() + GDB_START_MS;
    for (;;) {
      try {
        await this.mi.command('-gdb-version', 2_000);
        return;
      } catch (err) {
        if (this.ended || Date.now() > deadline) throw new LabError('GDB_FAILED', `gdb did not start: ${(err as Error).message}`);
      }
    }
  }

  private async refreshBreakpoints(): Promise<void> {
    const table = await this.mi.command('-break-list').catch(() => undefined);
    const body = table && typeof table.results.BreakpointTable === 'object' && !Array.isArray(table.results.BreakpointTable) ? table.results.BreakpointTable.body : undefined;
    if (!Array.isArray(body)) return;
    this.breakpoints.clear();
    for (const entry of body) {
      const bp = breakpointFrom(entry);
      if (bp && bp.id !== this.hookId) this.breakpoints.set(bp.id, bp);
    }
  }

  private onRecord(record: MiRecord): void {
    if (record.kind === '*' && record.klass === 'stopped') {
      this.stops++;
      // until told otherwise, so no agent call and no interrupt meets a guest held at do_init_module
      if (this.mayBeHookStop(record)) this.hookHeld = true;
      if (this.internalStop) return this.internalStop(record);
      if (this.hookHeld) {
        void this.serialize(() => this.onMaybeHookStop(record));
        return;
      }
      return this.stoppedAt(record);
    }
    if (record.kind === '*' && record.klass === 'running' && !this.internalStop) {
      if (this.current.phase === 'running') return; // the init hook's resume: nothing changed for the student
      this.update({ phase: 'running', stop: undefined, message: 'Running' });
      return;
    }
    if (record.kind === '=' && (record.klass === 'breakpoint-created' || record.klass === 'breakpoint-modified')) {
      const bp = breakpointFrom(record.results.bkpt);
      if (bp && bp.id !== this.hookId) {
        this.breakpoints.set(bp.id, bp);
        this.update({});
      }
    } else if (record.kind === '=' && record.klass === 'breakpoint-deleted') {
      this.breakpoints.delete(Number(miString(record.results, 'id')));
      this.update({});
    }
  }

  private stoppedAt(record: MiRecord): void {
    const frame = record.results.frame;
    const file = workspaceFile(miString(frame, 'fullname') ?? miString(frame, 'file'));
    const line = Number(miString(frame, 'line'));
    const fn = miString(frame, 'func');
    const reason = (miString(record.results, 'reason') ?? 'stopped').replace(/-/g, ' ');
    const where = file ? `${file}:${line} in ${fn}` : fn && fn !== '??' ? fn : `0x${(miString(frame, 'addr') ?? '?').replace(/^0x/, '')} (kernel code)`;
    if (reason === 'exited' || reason === 'exited normally') return this.update({ phase: 'ended', stop: undefined, message: 'The VM ended' });
    this.update({ phase: 'stopped', stop: { file, line: Number.isInteger(line) && line > 0 ? line : undefined, function: fn, reason }, message: `Stopped (${reason}) at ${where}` });
    if (this.stepByButton) this.dataEmitter.fire(`\r\n\x1b[2m── stopped (${reason}) at ${where} ──\x1b[0m\r\n(gdb) `);
    this.stepByButton = false;
  }

  private update(change: Partial<DebugState>): void {
    this.current = { ...this.current, ...change, breakpoints: [...this.breakpoints.values()].sort((a, b) => a.id - b.id) };
    this.stateEmitter.fire(this.current);
  }
}
