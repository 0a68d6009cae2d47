import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { deliverModule } from '../guest/deliver.js';
import { buildUserModule, checkWorkspace, prepareGuest, prepareGuestBase, type PreparedGuest, type PrepareOptions } from '../guest/prepare.js';
import { decodeCrash as decodeReport, reportSettled, type DecodedCrash } from '../symbols/decode-crash.js';
import type { RunSymbols } from '../symbols/decode.js';
import { runSymbols } from '../symbols/run-symbols.js';
import type { CrashReport } from '../vm/crash.js';
import { bootProfile, type BootProfile } from '../vm/profile.js';
import { startPristine, type BootRecord } from './pristine.js';
import { snapshotPlan, SnapshotStore } from './snapshot-store.js';
import { Vm } from '../vm/vm.js';
import type { Environment } from './environment.js';

/** What is built into a guest from a workspace. */
export interface GuestWorkspace {
  /** The folder with the user's kshram.c. */
  dir: string;
  /** Check programs to build instead of ours (--checks). */
  checksDir?: string;
  kcflags?: readonly string[];
  /** Course-kernel compatibility shims; on unless false. */
  compat?: boolean;
  /** A kshram.ko built elsewhere (a course-service upload): booted as it is, `dir` needs no kshram.c. */
  prebuiltKo?: string;
}

export interface BootOptions {
  /** Console size of the guest's pty. */
  cols?: number;
  rows?: number;
  /**
   * The user's module is built (QEMU may already be booting). A throw here
   * (a cancelled run) ends the boot, with nothing left behind.
   */
  onBuilt?(guest: PreparedGuest): void;
  /** QEMU started; the guest is booting. */
  onVmStarted?(vm: Vm): void;
  /** Wait this long for the guest's agent before returning (the grader waits itself, racing crashes). */
  waitReadyMs?: number;
  /** Aborting stops the boot and the VM. */
  signal?: AbortSignal;
  /** Checked, debug (a gdbstub), cold or from the snapshot: bootProfile(); the kit's plain profile by default. */
  profile?: BootProfile;
  /** Where pristine-guest snapshots are kept: the user's cache by default (tests use their own). */
  snapshots?: SnapshotStore;
}

export interface BootedGuest {
  /** The running guest (a new one after restart()). */
  readonly vm: Vm;
  guest: PreparedGuest;
  /** The profile the guest booted with (a debug boot that waits, or an imported kit's, is cold). */
  readonly profile: BootProfile;
  /** Restored from the pristine snapshot or booted cold (the current VM's, after restart()). */
  readonly boot: BootRecord;
  /** The .ko files this guest was given and the kit's vmlinux: what its reports decode against (until dispose). */
  readonly symbols: RunSymbols;
  /**
   * One of this guest's crash reports decoded to the student's lines, once
   * the report is whole (or has had its time); the same promise for the
   * same report. dispose() waits for it before the .ko files go.
   */
  decodeCrash(crash: CrashReport): Promise<DecodedCrash>;
  /**
   * Stops this VM and starts a fresh one from the same build, the user's
   * module handed over as before; dispose() then stops the new one. A
   * restored guest's snapshot is discarded and the fresh one boots cold.
   */
  restart(): Promise<Vm>;
  /** Stops QEMU and removes the build files; safe to call twice. */
  dispose(): Promise<void>;
}

/** Stage 1: builds the module, ours and the check programs, and the initramfs, into `runDir`. */
export function buildGuest(env: Environment, workspace: GuestWorkspace, runDir: string, profile: BootProfile = bootProfile(env.kit)): Promise<PreparedGuest> {
  return prepareGuest(prepareOptions(env, workspace, runDir, profile));
}

/** Stage 2: starts QEMU on a built guest; the guest is still booting when this returns. */
export function startGuest(env: Environment, guest: Pick<PreparedGuest, 'initramfs'>, options: { cols?: number; rows?: number; profile?: BootProfile } = {}): Promise<Vm> {
  return Vm.start({ kit: env.kit, accel: env.accel.accel, initramfs: guest.initramfs, cols: options.cols, rows: options.rows, profile: options.profile ?? bootProfile(env.kit) });
}

function prepareOptions(env: Environment, workspace: GuestWorkspace, runDir: string, profile: BootProfile): PrepareOptions {
  return { kit: env.kit, toolchain: env.toolchain, workspaceDir: resolve(workspace.dir), checksDir: workspace.checksDir, kcflags: workspace.kcflags, compat: workspace.compat, runDir, checked: profile.checked, prebuiltKo: workspace.prebuiltKo };
}

export function cancelledError(what: string): LabError {
  return new LabError('CANCELLED', `${what} was cancelled.`);
}

/** How long the guest may take to come up before a module built meanwhile is handed to it; past this the caller's own boot wait reports the failure. */
const DELIVERY_READY_TIMEOUT_MS = 90_000;

/**
 * The one path from a workspace to a running guest, used by the grader,
 * the workbench, `kshram-lab boot`, the tests and the benches. QEMU starts
 * while kshram.c compiles: the guest is restored from the pristine snapshot
 * of its kind (or boots cold, and the snapshot is made from it; see
 * pristine.ts) on an initramfs of our (cached) programs and hello.ko, and
 * the user's module is handed to it through the agent once both are done,
 * before anything loads it; a failed build leaves it out as before. Kits
 * with their own base system (imported) and debug boots that wait for gdb
 * at the first instruction build first and boot cold. Whatever fails or is
 * cancelled, nothing is left running and no build files stay behind; on
 * success `dispose` does that later.
 */
export async function bootGuest(env: Environment, workspace: GuestWorkspace, options: BootOptions = {}): Promise<BootedGuest> {
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-boot-'));
  let vm: Vm | undefined;
  let disposed: Promise<void> | undefined;
  const decodes = new Map<CrashReport, Promise<DecodedCrash>>();
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      await vm?.stop();
      // the .ko files go with the run folder: every decode started first
      await Promise.allSettled(decodes.values());
      await rm(runDir, { recursive: true, force: true });
    })());
  const stopOnAbort = (): void => void vm?.stop();
  options.signal?.addEventListener('abort', stopOnAbort);
  const cancelled = (): void => {
    if (options.signal?.aborted) throw cancelledError('The boot');
  };
  let userBuild: Promise<unknown> | undefined;
  const store = options.snapshots ?? new SnapshotStore();
  try {
    const prepare = prepareOptions(env, workspace, runDir, profile(env, options));
    if (!prepare.prebuiltKo) checkWorkspace(prepare.workspaceDir);
    // imported kits and a debug boot held at its first instruction get kshram.ko in the initramfs
    const overlap = !env.kit.baseInitramfsPath && !options.profile?.debug?.wait;
    const bootProfileUsed: BootProfile = overlap ? profile(env, options) : { ...profile(env, options), start: 'cold' };
    let guest: PreparedGuest;
    let boot: BootRecord;
    let saving: Promise<void> = Promise.resolve();
    const start = async (initramfs: string, startProfile: BootProfile): Promise<Vm> => {
      const started = await startPristine(env, { initramfs, profile: startProfile, store, cols: options.cols, rows: options.rows });
      vm = started.vm;
      boot = started.boot;
      options.onVmStarted?.(vm);
      vm.replayConsole(started.savedConsole);
      // saved once it answers, before anything of the student's reaches it
      void (saving = started.saveWhenReady(DELIVERY_READY_TIMEOUT_MS));
      return vm;
    };
    if (overlap) {
      const kshramBuild = buildUserModule(prepare);
      userBuild = kshramBuild.catch(() => undefined);
      const base = await prepareGuestBase(prepare);
      cancelled();
      await start(base.initramfs, bootProfileUsed);
      cancelled();
      guest = { ...base, kshram: await kshramBuild };
      cancelled();
      options.onBuilt?.(guest);
      await saving;
      if (guest.kshram.ok) await deliverModule(vm!, env.toolchain, guest.kshram.koPath!, DELIVERY_READY_TIMEOUT_MS);
    } else {
      guest = await prepareGuest(prepare);
      cancelled();
      options.onBuilt?.(guest);
      await start(guest.initramfs, bootProfileUsed);
      cancelled();
    }
    if (options.waitReadyMs !== undefined) await vm!.agent.waitReady(options.waitReadyMs);
    const built = guest;
    const symbols = runSymbols(env.kit, { kshram: guest.kshram }, { hello: guest.hello });
    const decodeCrash = (crash: CrashReport): Promise<DecodedCrash> => {
      let decoded = decodes.get(crash);
      if (!decoded) {
        const ofVm = vm!;
        decoded = reportSettled(crash, () => !ofVm.running).then(() => decodeReport(crash, symbols));
        decodes.set(crash, decoded);
      }
      return decoded;
    };
    const restart = async (): Promise<Vm> => {
      const failed = vm!;
      await failed.stop();
      // a restored guest that failed before anything was loaded puts its snapshot in doubt: the fresh one boots cold
      let again = bootProfileUsed;
      if (failed.startedFrom === 'snapshot') {
        await store.discard((await snapshotPlan(env, built.initramfs, bootProfileUsed)).key);
        again = { ...bootProfileUsed, start: 'cold' };
      }
      const notes = boot.notes;
      await start(built.initramfs, again);
      boot = { ...boot, notes: [...notes, ...boot.notes] };
      await saving;
      if (overlap && built.kshram.ok) await deliverModule(vm!, env.toolchain, built.kshram.koPath!, DELIVERY_READY_TIMEOUT_MS);
      return vm!;
    };
    return {
      get vm() {
        return vm!;
      },
      get boot() {
        return boot;
      },
      guest,
      profile: bootProfileUsed,
      symbols,
      decodeCrash,
      restart,
      dispose,
    };
  } catch (err) {
    // the user's build must finish before its folder is removed
    await userBuild;
    await dispose();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', stopOnAbort);
  }
}

const profile = (env: Environment, options: BootOptions): BootProfile => options.profile ?? bootProfile(env.kit);
