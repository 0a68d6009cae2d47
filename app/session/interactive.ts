import type { BuildOutcome, VmStatus } from '../api/contract.js';
import { bootGuest, type BootedGuest } from '../boot/boot-guest.js';
import { resolveEnvironment } from '../boot/environment.js';
import { toErrorData } from '../errors.js';
import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { TIMEOUTS } from '../timeouts.js';
import { decodeCrash as decodeReport, reportSettled, type DecodedCrash } from '../symbols/decode-crash.js';
import type { ModuleBuildResult } from '../build/module.js';
import type { Environment } from '../boot/environment.js';
import { GuestModule, type ReloadResult } from './guest-module.js';
import { redrawPrompt } from './console-prompt.js';
import type { CrashReport } from '../vm/crash.js';
import type { Vm } from '../vm/vm.js';
import { toBuildOutcome, toCrashInfo, toFindingInfo } from './convert.js';
import { freeLoopbackPort } from '../debug/free-port.js';
import { bootProfile } from '../vm/profile.js';
import { LiveFindings } from '../checked/live.js';
import { GdbSession } from '../debug/gdb-session.js';
import { threadSizeOf } from '../debug/stack-scan.js';
import type { SavedBreakpoint } from '../debug/state.js';

/** Resizes come in bursts while a pane is dragged; the guest hears the last. */
const RESIZE_DEBOUNCE_MS = 150;
/** A debug boot may sit at a breakpoint or at the first instruction (--wait) for as long as the student reads. */
const DEBUG_BOOT_TIMEOUT_MS = 60 * 60_000;

export interface InteractiveOptions {
  kitName: string;
  workspaceDir: string;
  cols: number;
  rows: number;
  /** insmod kshram.ko through the agent once the guest is up. */
  loadModule: boolean;
  /** A checked boot (app/checked): the kernel's checkers on, their reports as findings in the status. */
  checked?: boolean;
  onStatus(status: VmStatus): void;
  onBuilt(outcome: BuildOutcome): void;
  onConsoleData(text: string): void;
  /** QEMU is running: its console can be paused from now on. */
  onVmStarted(vm: Vm): void;
  /** A host-side line for the terminal (not typed into the guest). */
  onBanner(text: string): void;
  /** A debug boot: QEMU's gdbstub and gdb attached (app/debug/). */
  debug?: { wait: boolean; cols: number; rows: number; breakpoints: SavedBreakpoint[]; onDebugger(gdb: GdbSession): void };
}

/**
 * The user's VM: builds the workspace, boots it, and keeps its status
 * (booting, running, crashed with the Oops, exited) up to date. The console
 * belongs to the user; everything the workbench does in the guest (load
 * the module, tell the tty its size) goes through the agent.
 */
export class InteractiveGuest {
  private booted: BootedGuest | undefined;
  private vmInstance: Vm | undefined;
  private gdbSession: GdbSession | undefined;
  private stopped = false;
  /** Ends a boot still building or starting QEMU. */
  private cancelBoot: () => void = () => undefined;
  private resizeTimer: NodeJS.Timeout | undefined;
  private size: { cols: number; rows: number };
  private current: VmStatus = { phase: 'building', message: 'Building kshram.ko and the guest' };
  private decoding: Promise<void> | undefined;
  private decoded: DecodedCrash | undefined;
  private crashMessage: string | undefined;
  private liveFindings: LiveFindings | undefined;
  private env: Environment | undefined;
  /** Which build of kshram.ko the guest has and has loaded (once it runs). */
  private guestModule: GuestModule | undefined;
  /** The build whose findings the status shows: another one loaded starts them afresh. */
  private findingsOf: number | undefined;
  private label = '';

  constructor(private readonly options: InteractiveOptions) {
    this.size = { cols: options.cols, rows: options.rows };
  }

  get status(): VmStatus {
    return this.current;
  }

  get vm(): Vm | undefined {
    return this.vmInstance;
  }

  /** gdb of a debug boot. */
  get gdb(): GdbSession | undefined {
    return this.gdbSession;
  }

  /** Which builds of kshram.ko the running guest has; undefined until it runs. */
  get module(): GuestModule | undefined {
    return this.guestModule;
  }

  /**
   * A build made while the guest runs (Build, Ctrl+S): handed to the guest
   * at /lib/kshram/kshram.ko. Resolves false when the guest did not take it
   * (then `dispose`, which removes the build's files, is the caller's).
   */
  async offerBuild(result: ModuleBuildResult, builtAt: number, kitName: string, dispose: () => Promise<void>): Promise<boolean> {
    const env = this.env;
    if (!this.guestModule || !env || env.kit.name !== kitName || this.current.phase !== 'running') return false;
    // gdb reads the booted build's symbols: another build in the guest would put its breakpoints and lines in the wrong places
    if (this.options.debug) {
      if (result.ok) this.guestModule.holdBack(builtAt);
      return false;
    }
    return this.guestModule.offer(result, builtAt, env.kit, env.toolchain, dispose);
  }

  /** Reload module: rmmod and insmod of the newest build, through the agent. */
  async reloadModule(): Promise<ReloadResult> {
    if (!this.guestModule || this.current.phase !== 'running') return { ok: false, message: 'The VM is not running.' };
    const result = await this.guestModule.reload();
    this.options.onBanner(result.ok ? `reloaded kshram.ko: ${result.message.toLowerCase()}` : result.message);
    const vm = this.vmInstance;
    if (vm?.running && !vm.crashes.crash && !this.gdbSession?.guestStopped) await redrawPrompt(vm);
    return result;
  }

  /** True once the agent answered and until the VM ends. */
  get ready(): boolean {
    return !!this.vmInstance?.running && !!this.vmInstance.agent.ready;
  }

  /** Builds and boots; resolves when the guest is up or could not come up (see status). */
  start(): Promise<void> {
    return this.run();
  }

  write(data: string): void {
    this.vmInstance?.write(data);
  }

  /** Resizes the pty at once and the guest's tty (through the agent) when the drag settles. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.vmInstance?.resize(cols, rows);
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => void this.syncTtySize(), RESIZE_DEBOUNCE_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelBoot();
    clearTimeout(this.resizeTimer);
    this.gdbSession?.dispose();
    this.liveFindings?.dispose();
    await this.vmInstance?.stop();
    await this.booted?.dispose();
    await this.disposeModule();
  }

  /** The builds' files go once a crash (if any) has been decoded from them. */
  private async disposeModule(): Promise<void> {
    await this.decoding?.catch(() => undefined);
    await this.guestModule?.dispose();
  }

  /** The module's state in the status, and the findings of what is loaded now. */
  private moduleChanged(): void {
    const module = this.guestModule;
    if (!module || this.stopped || this.current.phase !== 'running') return;
    const loaded = module.loaded;
    const loadedBuild = module.info.loaded;
    if (loadedBuild !== undefined && this.findingsOf !== undefined && loadedBuild !== this.findingsOf) {
      // another build is loaded: what the checkers said about the last one is no longer about this code
      this.liveFindings?.restart();
      this.current = { ...this.current, findings: undefined };
    }
    if (loadedBuild !== undefined) this.findingsOf = loadedBuild;
    const message = `${this.label} running${loaded ? ', kshram.ko loaded' : '; kshram.ko not loaded'}`;
    this.setStatus({ ...this.current, message: this.current.message.includes('insmod kshram.ko failed') && !loaded ? this.current.message : message, moduleLoaded: loaded, module: module.info });
  }

  private setStatus(status: VmStatus): void {
    // what the checkers found so far stays with every later status of this guest
    const findings = this.current.findings;
    this.current = findings && status.checked ? { ...status, findings } : status;
    this.options.onStatus(this.current);
  }

  private async run(): Promise<void> {
    const { options } = this;
    const cancel = new AbortController();
    this.cancelBoot = () => cancel.abort();
    try {
      this.setStatus({ phase: 'building', message: 'Building kshram.ko and the guest', kit: options.kitName });
      const env = await resolveEnvironment({ kit: options.kitName });
      this.env = env;
      const { kit, accel } = env;
      const label = `Linux ${kit.kernelRelease} (${accel.accel.toUpperCase()})`;
      this.label = label;
      let builtAt = Date.now();
      if (this.stopped) cancel.abort();
      const gdbStub = options.debug ? { port: await freeLoopbackPort(), wait: options.debug.wait } : undefined;
      const profile = bootProfile(kit, { checked: options.checked, debug: gdbStub });
      const { checked } = profile;
      const base = { kit: kit.name, kernelRelease: kit.kernelRelease, accel: accel.accel, accelReason: accel.reason, ...(checked ? { checked } : {}) };
      const booted = await bootGuest(
        env,
        { dir: options.workspaceDir },
        {
          profile,
          cols: this.size.cols,
          rows: this.size.rows,
          signal: cancel.signal,
          onBuilt: (guest) => {
            const outcome = toBuildOutcome(guest.kshram, kit.name);
            builtAt = outcome.finishedAt;
            options.onBuilt(outcome);
            this.setStatus({ ...base, phase: 'booting', message: `Booting ${label}` });
            options.onBanner(`booting ${label}${guest.kshram.ok ? '' : ' without kshram.ko: it did not compile'}`);
          },
          onVmStarted: (vm) => {
            this.vmInstance = vm;
            options.onVmStarted(vm);
          },
        },
      ).catch((err: unknown) => {
        if (this.stopped) return undefined;
        throw err;
      });
      if (!booted) return this.setStatus({ phase: 'stopped', message: 'Boot cancelled' });
      this.booted = booted;
      const { vm, guest } = booted;
      if (gdbStub && options.debug) {
        try {
          this.gdbSession = await GdbSession.start({ port: gdbStub.port, wait: gdbStub.wait, koPath: guest.kshram.koPath, cols: options.debug.cols, rows: options.debug.rows, breakpoints: options.debug.breakpoints, systemMap: kit.systemMapPath, threadSize: threadSizeOf(kit) });
        } catch (err) {
          await booted.dispose();
          throw err;
        }
        if (this.stopped) this.gdbSession.dispose();
        options.debug.onDebugger(this.gdbSession);
        options.onBanner(`debug boot: gdb is attached to QEMU's gdbstub at 127.0.0.1:${gdbStub.port} (gdb tab)${gdbStub.wait ? '; the guest waits at its first instruction: press Continue' : ''}`);
      }
      vm.onConsoleData((text) => options.onConsoleData(text));
      vm.onCrash((crash) => this.crashed(crash, base));
      if (checked) {
        this.liveFindings = new LiveFindings(vm, () => this.guestModule?.symbols ?? booted.symbols, (findings) => {
          if (this.stopped) return;
          this.current = { ...this.current, findings: findings.map(toFindingInfo) };
          this.options.onStatus(this.current);
        });
      }
      void vm.waitExit().then((exit) => {
        this.gdbSession?.dispose();
        if (this.stopped) this.setStatus({ ...base, phase: 'stopped', message: 'Stopped' });
        else if (vm.crashes.crash) this.crashed(vm.crashes.crash, base, `QEMU exited (status ${exit.exitCode}) after the crash`);
        else this.setStatus({ ...base, phase: 'exited', message: `The guest ended: QEMU exited with status ${exit.exitCode}` });
        // the run's folder goes once its crash (asked for above) is decoded from the .ko files in it
        void booted.dispose();
        void this.disposeModule();
      });

      try {
        await vm.agent.waitReady(options.debug ? DEBUG_BOOT_TIMEOUT_MS : TIMEOUTS.bootMs);
      } catch (err) {
        if (!vm.running || this.stopped) return;
        await vm.stop();
        return this.setStatus({ ...base, phase: 'exited', message: 'The guest did not come up', error: toErrorData(err) });
      }
      if (vm.crashes.crash) return;
      if (guest.kshram.ok) {
        // the findings so far were the boot's build's; a reload of another build starts them afresh
        this.guestModule = new GuestModule(vm, { builtAt, symbols: booted.symbols }, () => this.moduleChanged(), () => !!this.gdbSession?.guestStopped, options.debug ? DEBUG_BOOT_TIMEOUT_MS : TIMEOUTS.interactiveInsmodMs);
      }
      this.setStatus({ ...base, phase: 'running', message: `${label} running`, moduleLoaded: false, ...(this.guestModule ? { module: this.guestModule.info } : {}) });
      await this.syncTtySize();
      this.gdbSession?.watchModule(vm.agent);
      // before the boot's insmod, so a breakpoint in kshram_init stops it
      await this.gdbSession?.armInitHook(vm.agent).catch(() => undefined);
      if (options.loadModule && guest.kshram.ok) await this.loadModule(base, label);
    } catch (err) {
      this.setStatus({ phase: 'stopped', message: 'Could not boot', kit: options.kitName, error: toErrorData(err) });
    }
  }

  private async loadModule(base: Partial<VmStatus>, label: string): Promise<void> {
    const vm = this.vmInstance!;
    // in a debug boot, a breakpoint in kshram_init holds this insmod for as long as the student reads
    const timeoutMs = this.options.debug ? DEBUG_BOOT_TIMEOUT_MS : TIMEOUTS.interactiveInsmodMs;
    const result = await vm.agent.run(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, { timeoutMs }).catch(() => undefined);
    if (!result || vm.crashes.crash || !vm.running) return;
    // insmod's kernel messages printed over the first prompt: the shell draws it again below them
    if (!this.gdbSession?.guestStopped) await redrawPrompt(vm);
    // a crash (a program the student started at the first prompt) or a Stop while the prompt was redrawn: that status stays
    const over = (): boolean => this.stopped || !!vm.crashes.crash || !vm.running;
    if (over()) return;
    if (result.status === 0) {
      await this.gdbSession?.syncModule(vm.agent).catch(() => undefined);
      await this.guestModule?.bootLoaded();
      if (over()) return;
      this.setStatus({ ...base, phase: 'running', message: `${label} running, kshram.ko loaded`, moduleLoaded: true, ...(this.guestModule ? { module: this.guestModule.info } : {}) });
    } else {
      const why = result.timedOut ? 'it did not return' : result.output.trim() || `exit ${result.status}`;
      this.setStatus({ ...base, phase: 'running', message: `${label} running; insmod kshram.ko failed: ${why}`, moduleLoaded: false, ...(this.guestModule ? { module: this.guestModule.info } : {}) });
    }
  }

  /** `stty rows R cols C` on the console's tty, so full-screen programs fit the terminal. */
  private async syncTtySize(): Promise<void> {
    const vm = this.vmInstance;
    if (!vm?.running || !vm.agent.ready || this.gdbSession?.guestStopped) return;
    const { cols, rows } = this.size;
    await vm.agent.run(`stty -F /dev/ttyS0 rows ${rows} cols ${cols}`, { timeoutMs: TIMEOUTS.probeMs }).catch(() => undefined);
  }

  private crashed(crash: CrashReport, base: Partial<VmStatus>, message?: string): void {
    if (message) this.crashMessage = message;
    const show = (): void => {
      if (this.stopped) return;
      this.setStatus({ ...base, phase: 'crashed', message: this.crashMessage ?? (/^Kernel panic/.test(crash.title) ? crash.title : `Kernel ${crash.kind}: ${crash.title}`), crash: toCrashInfo(crash, this.decoded) });
    };
    show();
    // the report arrives line by line: once it is complete (or has had its time), it is decoded and shown again,
    // against the build that was loaded (a reloaded one's files are the guest module's, the boot's the run's)
    const booted = this.booted;
    const vm = this.vmInstance;
    const module = this.guestModule;
    const reloaded = module && module.symbols !== booted?.symbols;
    this.decoding ??= (reloaded && vm ? reportSettled(crash, () => !vm.running).then(() => decodeReport(crash, module.symbols)) : booted ? booted.decodeCrash(crash) : Promise.resolve(undefined))
      .then((decoded) => {
        this.decoded = decoded;
        show();
      })
      .catch(() => show());
  }
}
