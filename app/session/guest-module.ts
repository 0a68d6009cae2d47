import type { GuestModuleInfo } from '../api/contract.js';
import type { ModuleBuildResult } from '../build/module.js';
import type { Toolchain } from '../build/toolchain.js';
import { deliverModule } from '../guest/deliver.js';
import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import type { Kit } from '../kit/kit.js';
import type { RunSymbols } from '../symbols/decode.js';
import { runSymbols } from '../symbols/run-symbols.js';
import { TIMEOUTS } from '../timeouts.js';
import type { Vm } from '../vm/vm.js';

/** The guest is up: handing it a build takes a moment, or nothing at all happens. */
const DELIVERY_READY_MS = 5_000;
/**
 * Where a loaded module lives in sysfs. Its directory is made anew by
 * every load, and kernfs never hands out an inode number twice, so the
 * number tells one load from the next, also an rmmod and insmod typed on
 * one line between two looks.
 */
const LOAD_ID_COMMAND = 'stat -c %i /sys/module/kshram 2>/dev/null || echo none';

/** One build of kshram.ko the guest has been given, with what decodes its reports. */
interface GuestBuild {
  /** When it was built (BuildOutcome.finishedAt): what the student sees it by. */
  builtAt: number;
  symbols: RunSymbols;
  /** Removes its files, unless they belong to the boot. */
  dispose(): Promise<void>;
}

export interface ReloadResult {
  ok: boolean;
  /** One line: what rmmod and insmod did. */
  message: string;
}

/**
 * Which build of kshram.ko the student's guest runs. A build made while
 * the VM runs is handed to the guest at once, to /lib/kshram/kshram.ko
 * (the path the student insmods), through the agent; Reload module is
 * rmmod + insmod through the agent. Loads the student types are seen by
 * their sysfs directory's identity after each command. A crash or a
 * checker's report decodes against the build that is loaded.
 */
export class GuestModule {
  private loadedBuild: GuestBuild | undefined;
  private readyBuild: GuestBuild;
  /** The loaded module's sysfs identity as last read; null: not known (the guest did not answer). */
  private loadId: string | undefined | null;
  private reloading = false;
  private lastReload: GuestModuleInfo['lastReload'];
  private heldBack: number | undefined;
  private delivering: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly vm: Vm,
    boot: { builtAt: number; symbols: RunSymbols },
    /** Something the UI shows changed. */
    private readonly onChange: () => void,
    /** The guest is held by gdb: the agent cannot answer now. */
    private readonly held: () => boolean,
    /** A load in a debug boot may wait at a breakpoint in kshram_init for as long as the student reads. */
    private readonly insmodTimeoutMs: number = TIMEOUTS.interactiveInsmodMs,
  ) {
    this.readyBuild = { ...boot, dispose: async () => undefined };
  }

  get info(): GuestModuleInfo {
    return {
      ...(this.loadedBuild ? { loaded: this.loadedBuild.builtAt } : {}),
      ready: this.readyBuild.builtAt,
      ...(this.reloading ? { reloading: true } : {}),
      ...(this.lastReload ? { lastReload: this.lastReload } : {}),
      ...(this.heldBack !== undefined ? { heldBack: this.heldBack } : {}),
    };
  }

  /** A build the guest does not get (a debug boot's gdb knows the booted one): the student is told it exists. */
  holdBack(builtAt: number): void {
    this.heldBack = builtAt;
    this.onChange();
  }

  get loaded(): boolean {
    return !!this.loadedBuild;
  }

  /** What the loaded module's reports decode against (the newest build when none is loaded). */
  get symbols(): RunSymbols {
    return (this.loadedBuild ?? this.readyBuild).symbols;
  }

  /** The boot's own insmod loaded the boot's build. */
  async bootLoaded(): Promise<void> {
    this.loadedBuild = this.readyBuild;
    this.loadId = await this.readLoadId();
    this.onChange();
  }

  /**
   * A build finished while the guest runs: its .ko goes to the guest (the
   * full one stays here for decoding). Returns false when the guest could
   * not take it (a build that failed, a stopped or held guest); `dispose`
   * then stays the caller's.
   */
  async offer(result: ModuleBuildResult, builtAt: number, kit: Kit, toolchain: Toolchain, dispose: () => Promise<void>): Promise<boolean> {
    if (!result.ok || !result.koPath || this.disposed || !this.vm.running || !this.vm.agent.ready || this.held()) return false;
    const build: GuestBuild = { builtAt, symbols: runSymbols(kit, { kshram: result }), dispose };
    const delivery = this.delivering.then(async () => {
      await deliverModule(this.vm, toolchain, result.koPath!, DELIVERY_READY_MS);
      if (this.disposed || !this.vm.running) throw new Error('the guest ended');
      const old = this.readyBuild;
      this.readyBuild = build;
      if (old !== this.loadedBuild) await old.dispose();
      this.onChange();
    });
    this.delivering = delivery.catch(() => undefined);
    return delivery.then(
      () => true,
      () => false,
    );
  }

  /** rmmod (when loaded) and insmod of the newest build, through the agent; the result is shown in the status. */
  async reload(): Promise<ReloadResult> {
    if (this.reloading) return { ok: false, message: 'A reload is already running.' };
    this.reloading = true;
    this.onChange();
    try {
      await this.delivering;
      const result = await this.rmmodInsmod();
      this.lastReload = { ...result, at: Date.now() };
      return result;
    } finally {
      this.reloading = false;
      this.onChange();
    }
  }

  /** After a command of the student's: did kshram.ko get loaded or unloaded? */
  async probe(): Promise<void> {
    if (this.disposed || this.reloading || this.held() || !this.vm.running || !this.vm.agent.ready) return;
    const id = await this.readLoadId();
    // no answer (the guest stopped at a breakpoint meanwhile, or ended) says nothing about the module
    if (id === null || id === this.loadId) return;
    this.loadId = id;
    // a new load is of what /lib/kshram/kshram.ko held: the newest build handed over
    this.setLoaded(id ? this.readyBuild : undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.delivering;
    await this.loadedBuild?.dispose();
    if (this.readyBuild !== this.loadedBuild) await this.readyBuild.dispose();
  }

  private async rmmodInsmod(): Promise<ReloadResult> {
    const agent = this.vm.agent;
    const built = new Date(this.readyBuild.builtAt).toLocaleTimeString();
    if (this.loadedBuild || (await this.readLoadId())) {
      const out = await agent.run('rmmod kshram', { timeoutMs: TIMEOUTS.rmmodMs }).catch(() => undefined);
      if (!out || out.status !== 0) {
        await this.probe();
        const why = !out ? 'the guest did not answer' : out.timedOut ? 'it did not finish' : out.output.trim() || `exit ${out.status}`;
        return { ok: false, message: `rmmod kshram failed: ${why}` };
      }
      this.setLoaded(undefined);
    }
    const out = await agent.run(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, { timeoutMs: this.insmodTimeoutMs }).catch(() => undefined);
    this.loadId = await this.readLoadId();
    if (out?.status === 0) {
      this.setLoaded(this.readyBuild);
      return { ok: true, message: `Loaded the build of ${built}` };
    }
    this.setLoaded(this.loadId ? this.readyBuild : undefined);
    const why = !out ? 'the guest did not answer' : out.timedOut ? 'it did not return' : out.output.trim() || `exit ${out.status}`;
    return { ok: false, message: `insmod of the build of ${built} failed: ${why}` };
  }

  private setLoaded(build: GuestBuild | undefined): void {
    const old = this.loadedBuild;
    this.loadedBuild = build;
    if (old && old !== build && old !== this.readyBuild) void old.dispose();
    this.onChange();
  }

  /** The loaded module's sysfs identity, undefined when none is loaded, null when the guest did not answer. */
  private async readLoadId(): Promise<string | undefined | null> {
    const out = await this.vm.agent.run(LOAD_ID_COMMAND, { timeoutMs: TIMEOUTS.probeMs }).catch(() => undefined);
    if (!out || out.timedOut || out.status !== 0) return null;
    const id = out.output.trim();
    return /^\d+$/.test(id) ? id : undefined;
  }
}
