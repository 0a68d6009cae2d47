import { readFile } from 'node:fs/promises';
import pty from 'node-pty';
import type { DebugBreakpoint, DebugState, SavedBreakpoint } from './state.js';
import { LabError } from '../errors.js';
import { Emitter } from '../events.js';
import type { AgentClient } from '../agent/agent.js';
import { GDB_HOST } from './free-port.js';
import { spawnGdb } from './gdb-process.js';
import { breakpointFrom, breakpointTable, workspaceFile } from './gdb-breakpoints.js';
import { STEP_ALONE } from './gdb-script.js';
import { InitHook } from './init-hook.js';
import type { DebugMemory, DebugVariable } from './state.js';
import { Inspector } from './inspector.js';
import { KernelSymbols } from '../kit/system-map.js';
import { THREAD_SIZE } from './stack-scan.js';
import { miString, type MiRecord } from './mi.js';
import type { MiChannel } from './mi-channel.js';
import { readModuleSections, type SectionMap } from '../symbols/sections.js';
import { gdbSymbolFile } from './symbol-file.js';
import { SymbolLoader } from './symbol-loader.js';
import { VISIBLE_PHASE, type DebugStop, type Hold } from './hold.js';
import { OneAtATime } from '../one-at-a-time.js';

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
  /** The workspace's breakpoints, set (pending) before the guest runs: one in kshram_init stops the boot's insmod. */
  breakpoints?: SavedBreakpoint[];
  /** The kit's System.map: kernel frames get names, and the stack above them is scanned. */
  systemMap?: string;
  /** The guest kernel's THREAD_SIZE (stack-scan.ts); 16 KiB unless given. */
  threadSize?: number;
  cols: number;
  rows: number;
}

type Action = 'continue' | 'step' | 'next' | 'finish';


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
  private hold: Hold = { kind: 'starting' };
  private message = 'Starting gdb';
  private readonly breakpoints = new Map<number, DebugBreakpoint>();
  private readonly symbols: SymbolLoader | undefined;
  private readonly hook: InitHook | undefined;
  private readonly inspector: Inspector;
  private readonly busy = new OneAtATime();
  private pollTimer: NodeJS.Timeout | undefined;
  /** Console output until the owner first takes it (gdb prints before anyone listens). */
  private startup: string | undefined = '';
  /** Stops seen so far, of any kind: tells whether the guest stopped during an agent call. */
  private stops = 0;
  /** The kit's System.map, once read; dropped if it disagrees with the running kernel. */
  private kernelSymbols: KernelSymbols | undefined;
  /** do_init_module's address in the running kernel (its /proc/kallsyms), to check the map against. */
  private doInitModule: bigint | undefined;

  private constructor(
    private readonly proc: pty.IPty,
    private readonly mi: MiChannel,
    private readonly options: GdbSessionOptions,
  ) {
    this.inspector = new Inspector(mi, { symbols: () => this.kernelSymbols, threadSize: options.threadSize ?? THREAD_SIZE });
    // a few MB parsed in the background: the first stop is seconds away at least
    if (options.systemMap) {
      void readKernelSymbols(options.systemMap).then((symbols) => {
        this.kernelSymbols = symbols;
        this.checkKernelSymbols();
      });
    }
    if (options.koPath) {
      this.symbols = new SymbolLoader(mi, options.koPath);
      this.hook = new InitHook(mi, options.koPath);
    }
    proc.onData((data) => {
      if (this.startup !== undefined) this.startup += data;
      this.dataEmitter.fire(data);
    });
    proc.onExit(({ exitCode }) => {
      clearInterval(this.pollTimer);
      this.mi.close();
      this.end(`gdb ended (status ${exitCode}); the VM keeps running`);
    });
    mi.onAsync((record) => this.onRecord(record));
  }

  /** Starts gdb, connects it to QEMU and (unless waiting) lets the guest run. */
  static async start(given: GdbSessionOptions): Promise<GdbSession> {
    const options = { ...given, koPath: given.koPath && (await gdbSymbolFile(given.koPath)) };
    const { proc, mi } = await spawnGdb(options.cols, options.rows);
    const session = new GdbSession(proc, mi, options);
    try {
      await session.waitForMi();
      await mi.command(`-target-select remote ${GDB_HOST}:${options.port}`, CONNECT_TIMEOUT_MS);
      await mi.command(`-gdb-set ${STEP_ALONE}`);
      // the guest is stopped at attach: no interrupt needed; one gdb refuses (a line past the end) is left out
      for (const b of options.breakpoints ?? []) await session.insertBreakpoint(b.file, b.line).catch(() => undefined);
      // QEMU stops the guest when gdb attaches; a plain debug boot goes on at once
      if (options.wait) session.stopAt({ reason: 'waiting at the first instruction (--wait): press Continue' }, 'Stopped at the first instruction');
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
    return {
      phase: VISIBLE_PHASE[this.hold.kind],
      port: this.options.port,
      stop: this.hold.kind === 'stopped' ? this.hold.stop : undefined,
      breakpoints: [...this.breakpoints.values()].sort((a, b) => a.id - b.id),
      symbolsLoaded: !!this.symbols?.sections,
      message: this.message,
    };
  }

  /** True while gdb holds the guest stopped: the agent cannot answer then. */
  get guestStopped(): boolean {
    return this.hold.kind !== 'running' && this.hold.kind !== 'ended';
  }

  write(data: string): void {
    if (this.live) this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.live) this.proc.resize(cols, rows);
  }

  pause(): void {
    if (this.live) this.proc.pause();
  }

  resume(): void {
    if (this.live) this.proc.resume();
  }

  /** Continue / Step / Next / Finish from the buttons, or Interrupt. */
  async control(action: Action | 'interrupt'): Promise<DebugState> {
    this.requireLive();
    if (action === 'interrupt') {
      if (this.state.phase === 'running') await this.mi.command('-exec-interrupt');
      return this.state;
    }
    if (this.hold.kind !== 'stopped') throw new LabError('GUEST_RUNNING', 'The guest is running.', 'Set a breakpoint and let the guest reach it, or interrupt it first.');
    await this.go(action);
    return this.state;
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
        } else await this.insertBreakpoint(file, line);
      });
      this.publish();
      return this.state;
    });
  }

  /** The arguments and locals of frame `level` (0: where the guest stopped). */
  variables(level: number): Promise<DebugVariable[]> {
    return this.inspect((inspector, thread) => inspector.variables(thread, level));
  }

  /** A value's parts: a struct's fields, what a pointer points at. */
  children(ref: string): Promise<DebugVariable[]> {
    return this.inspect((inspector) => inspector.children(ref));
  }

  memory(address: string, length: number): Promise<DebugMemory> {
    return this.inspect((inspector) => inspector.memory(address, length));
  }

  /** One expression in frame `level` (the editor's hover). */
  evaluate(level: number, expression: string): Promise<DebugVariable> {
    return this.inspect((inspector, thread) => inspector.evaluate(thread, level, expression));
  }

  /** The watch expressions in frame `level`. */
  watch(level: number, expressions: string[]): Promise<DebugVariable[]> {
    return this.inspect((inspector, thread) => inspector.watch(thread, level, expressions));
  }

  /** The guest must be stopped. */
  private async insertBreakpoint(file: string, line: number): Promise<void> {
    // -f: pending until kshram.ko's symbols are loaded
    const done = await this.mi.command(`-break-insert -f ${file}:${line}`);
    const bp = breakpointFrom(done.results.bkpt);
    if (bp) this.breakpoints.set(bp.id, { ...bp, file: bp.file ?? file, line: bp.line ?? line });
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
    const symbols = this.symbols;
    if (!this.live || !symbols || this.guestStopped) return;
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
      if (!this.live || symbols.holds(sections)) return;
      await this.whileStopped(() => symbols.swap(sections));
      await this.refreshBreakpoints();
      this.note(sections ? `kshram.ko symbols loaded at .text 0x${sections.get('.text')!.toString(16)}` : 'kshram.ko is not loaded');
    });
  }

  /**
   * Arms the init hook (init-hook.ts) so breakpoints in kshram_init stop
   * it. Called once the agent is up (do_init_module's address is read from
   * /proc/kallsyms) and before the boot's insmod.
   */
  async armInitHook(agent: AgentClient): Promise<void> {
    const hook = this.hook;
    if (!this.live || this.guestStopped || hook?.armed) return;
    if (!hook) return this.note('Breakpoints in kshram_init will not stop: kshram.ko did not build');
    const site = await hook.locate(agent);
    if (!this.live) return;
    if ('address' in site) {
      this.doInitModule = site.address;
      this.checkKernelSymbols();
    }
    if ('why' in site) return this.note(`Breakpoints in kshram_init will not stop: ${site.why}`);
    await this.serialize(() =>
      this.whileStopped(async () => {
        await hook.insert(site);
        // the student's list never shows it, even if gdb announced it before the insert returned
        for (const id of this.breakpoints.keys()) if (hook.isHookBreakpoint(id)) this.breakpoints.delete(id);
      }),
    );
  }

  /**
   * The System.map must be this kernel's at these addresses (a nokaslr
   * boot of the kit's kernel): do_init_module, read from the guest's
   * /proc/kallsyms for the init hook, must be where the map says. A map
   * that disagrees would name every frame wrongly: it is dropped.
   */
  private checkKernelSymbols(): void {
    const expected = this.kernelSymbols?.address('do_init_module');
    if (expected === undefined || this.doInitModule === undefined || expected === this.doInitModule) return;
    this.kernelSymbols = undefined;
    this.note("The kit's System.map does not match the running kernel: kernel frames show as addresses");
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
    if (this.live) {
      this.end('The VM ended; gdb with it');
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    this.dataEmitter.dispose();
    this.stateEmitter.dispose();
  }

  /** Reads the stopped guest, in turn with the engine's other work on gdb. */
  private inspect<T>(read: (inspector: Inspector, thread: number) => Promise<T>): Promise<T> {
    this.requireLive();
    return this.serialize(async () => {
      const hold = this.hold;
      if (hold.kind !== 'stopped') throw new LabError('BAD_ARGUMENT', 'The guest is running.', 'Values can be read while it is stopped: at a breakpoint, or after Pause.');
      return read(this.inspector, hold.thread ?? 1);
    });
  }

  private get live(): boolean {
    return this.hold.kind !== 'ended';
  }

  private requireLive(): void {
    if (!this.live) throw new LabError('GDB_FAILED', 'gdb is not running.', 'Stop the VM and start a new debug boot.');
  }

  private async go(action: Action): Promise<void> {
    this.hold = { kind: 'running', stepping: action !== 'continue' };
    this.publish('Running');
    await this.mi.command(`-exec-${action}`);
  }

  /** One engine operation at a time: two would interleave interrupts and continues. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    return this.busy.run(work);
  }

  /**
   * Runs `work` with the guest stopped: in all-stop mode gdb can neither
   * insert breakpoints nor load symbols into a running remote target. A
   * running guest is interrupted and continued afterwards, unless it
   * stopped for a reason of its own meanwhile (a breakpoint was hit).
   */
  private async whileStopped(work: () => Promise<void>): Promise<void> {
    const before = this.hold;
    if (before.kind !== 'running') return work(); // stopped already (the student's stop, the hook's, --wait)
    let record: MiRecord | undefined;
    const stopped = new Promise<MiRecord>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LabError('GDB_FAILED', 'The guest did not stop for gdb.')), INTERRUPT_WAIT_MS);
      this.hold = {
        kind: 'interrupting',
        stopped: (record) => {
          clearTimeout(timer);
          resolve(record);
        },
      };
    });
    try {
      // fails when the guest stopped on its own just before (the stop is in `stopped` then)
      await this.mi.command('-exec-interrupt').catch(() => undefined);
      record = await stopped;
      this.hold = { kind: 'engine' };
      await work();
    } finally {
      // whether or not the work succeeded: a guest the engine stopped must not stay stopped
      if (record) await this.resumeAfter(record);
      else if (this.hold.kind === 'interrupting') this.hold = before;
    }
  }

  /** After the engine's own work: resumes a guest it stopped (its SIGINT), else the stop is any other stop. */
  private async resumeAfter(record: MiRecord): Promise<void> {
    if (miString(record.results, 'signal-name') !== 'SIGINT') return this.onMaybeHookStop(record);
    this.hold = { kind: 'running', stepping: false };
    await this.mi.command('-exec-continue');
  }

  /** A stop that may be the hook's: the hook runs and the guest goes on, or the student sees the stop. */
  private async onMaybeHookStop(record: MiRecord): Promise<void> {
    if (this.hook && (await this.hook.isStop(record))) return this.runInitHook(this.hook);
    this.stoppedAt(record);
  }

  /**
   * The guest is at do_init_module for kshram: loads the symbols with
   * .init.text when a breakpoint waits for them, then lets init run. Never
   * leaves the guest stopped unseen: if gdb refuses to continue, the
   * student gets a stop and the Continue button.
   */
  private async runInitHook(hook: InitHook): Promise<void> {
    this.hold = { kind: 'hook' };
    try {
      // not only pending ones: after init, a breakpoint in kshram_init stays resolved at gdb's placeholder address
      if (this.breakpoints.size > 0) {
        const sections = await hook.initSections();
        // a quick rmmod + insmod: the poll may not have dropped the previous load yet
        await this.symbols!.swap(sections);
        await this.refreshBreakpoints();
        this.note(`kshram.ko symbols loaded before its init, .init.text at 0x${sections.get('.init.text')!.toString(16)}`);
      }
    } catch (err) {
      this.note(`kshram.ko's symbols could not be loaded before its init: ${(err as Error).message}`);
    }
    this.hold = { kind: 'running', stepping: false };
    try {
      await this.mi.command('-exec-continue');
    } catch (err) {
      this.stopAt({ reason: `stopped before kshram's init (${(err as Error).message}): press Continue` }, 'Stopped before kshram_init');
    }
  }

  private async waitForMi(): Promise<void> {
    const deadline = Date.now() + GDB_START_MS;
    for (;;) {
      try {
        await this.mi.command('-gdb-version', 2_000);
        return;
      } catch (err) {
        if (!this.live || Date.now() > deadline) throw new LabError('GDB_FAILED', `gdb did not start: ${(err as Error).message}`);
      }
    }
  }

  private async refreshBreakpoints(): Promise<void> {
    const table = await this.mi.command('-break-list').catch(() => undefined);
    const body = breakpointTable(table?.results);
    if (!body) return;
    this.breakpoints.clear();
    for (const entry of body) {
      const bp = breakpointFrom(entry);
      if (bp && !this.hook?.isHookBreakpoint(bp.id)) this.breakpoints.set(bp.id, bp);
    }
  }

  private onRecord(record: MiRecord): void {
    if (record.kind === '*' && record.klass === 'stopped') {
      this.stops++;
      if (this.hold.kind === 'interrupting') return this.hold.stopped(record);
      // held until told otherwise, so no agent call and no interrupt meets a guest stopped at do_init_module
      if (this.hook?.mayBeStop(record)) {
        this.hold = { kind: 'hook' };
        void this.serialize(() => this.onMaybeHookStop(record));
        return;
      }
      return this.stoppedAt(record);
    }
    if (record.kind === '*' && record.klass === 'running') {
      // a `continue` typed in the console; the engine's own resumes set the hold themselves
      if (this.hold.kind === 'stopped' || this.hold.kind === 'starting') {
        this.hold = { kind: 'running', stepping: false };
        this.publish('Running');
      }
      return;
    }
    if (record.kind === '=' && (record.klass === 'breakpoint-created' || record.klass === 'breakpoint-modified')) {
      const bp = breakpointFrom(record.results.bkpt);
      if (bp && !this.hook?.isHookBreakpoint(bp.id)) {
        this.breakpoints.set(bp.id, bp);
        this.publish();
      }
    } else if (record.kind === '=' && record.klass === 'breakpoint-deleted') {
      this.breakpoints.delete(Number(miString(record.results, 'id')));
      this.publish();
    }
  }

  private stoppedAt(record: MiRecord): void {
    const stepped = this.hold.kind === 'running' && this.hold.stepping;
    const frame = record.results.frame;
    const file = workspaceFile(miString(frame, 'fullname') ?? miString(frame, 'file'));
    const line = Number(miString(frame, 'line'));
    const fn = miString(frame, 'func');
    const reason = (miString(record.results, 'reason') ?? 'stopped').replace(/-/g, ' ');
    if (reason === 'exited' || reason === 'exited normally') return this.end('The VM ended');
    const where = file ? `${file}:${line} in ${fn}` : fn && fn !== '??' ? fn : `0x${(miString(frame, 'addr') ?? '?').replace(/^0x/, '')} (kernel code)`;
    const thread = Number(miString(record.results, 'thread-id') ?? '1');
    this.stopAt({ file, line: Number.isInteger(line) && line > 0 ? line : undefined, function: fn, reason, seq: this.stops }, `Stopped (${reason}) at ${where}`, thread);
    void this.serialize(() => this.listStack());
    // gdb prints where a step ended only on the UI that asked (MI): the console gets a line
    if (stepped) this.dataEmitter.fire(`\r\n\x1b[2m── stopped (${reason}) at ${where} ──\x1b[0m\r\n(gdb) `);
  }

  private stopAt(stop: DebugStop, message: string, thread?: number): void {
    this.hold = { kind: 'stopped', stop, thread };
    this.publish(message);
  }

  /** Once stopped: what changed since the last stop (for the Variables panel), and the stack. */
  private async listStack(): Promise<void> {
    const hold = this.hold;
    if (hold.kind !== 'stopped') return;
    const stack = await this.inspector.atStop(hold.thread ?? 1).catch(() => undefined);
    // still the same stop: the student may have pressed Continue meanwhile
    if (stack && this.hold === hold) {
      this.hold = { ...hold, stop: { ...hold.stop, stack } };
      this.publish();
    }
  }

  private end(message: string): void {
    this.hold = { kind: 'ended' };
    this.publish(message);
  }

  /** News of the engine's own work: shown unless the guest is at a stop, whose message says where it is. */
  private note(message: string): void {
    this.publish(this.hold.kind === 'stopped' ? undefined : message);
  }

  private publish(message?: string): void {
    if (message !== undefined) this.message = message;
    this.stateEmitter.fire(this.state);
  }
}

/** The kernel's symbols from a System.map, or none when it cannot be read or names no kernel text. */
async function readKernelSymbols(path: string): Promise<KernelSymbols | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : KernelSymbols.parse(text);
}
