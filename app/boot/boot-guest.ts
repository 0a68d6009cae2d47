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
}

export interface BootedGuest {
  /** The running guest (a new one after restart()). */
  readonly vm: Vm;
  guest: PreparedGuest;
  readonly profile: BootProfile;
  /** The .ko files this guest was given and the kit's vmlinux: what its reports decode against (until dispose). */
  readonly symbols: RunSymbols;
  /**
   * One of this guest's crash reports decoded to the student's lines, once
   * the report is whole (or has had its time); the same promise for the
   * same report. dispose() waits for it before the .ko files go.
   */
  decodeCrash(crash: CrashReport): Promise<DecodedCrash>;
  /**
   * Stops this VM and boots a fresh one from the same build, the user's
   * module handed over as before; dispose() then stops the new one.
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
 * while kshram.c compiles: the guest boots cold from an initramfs of our
 * (cached) programs and hello.ko, and the user's module is handed to it
 * through the agent once both are done, before anything loads it; a
 * failed build leaves it out as before. Kits with their own base system
 * (imported) and debug boots build first and boot second. Whatever fails or is cancelled,
 * nothing is left running and no build files stay behind; on success
 * `dispose` does that later.
 */
export async function bootGuest(env: Environment, workspace: GuestWorkspace, options: BootOptions = {}): Promise<BootedGuest> {
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-boot-'));
  let vm: Vm | undefined;
  let disposed: Promise<void> | undefined;
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
  const profile = options.profile ?? bootProfile(env.kit);
  const decodes = new Map<CrashReport, Promise<DecodedCrash>>();
  try {
    const prepare = prepareOptions(env, workspace, runDir, profile);
    if (!prepare.prebuiltKo) checkWorkspace(prepare.workspaceDir);
    // a debug boot may hold the CPUs for gdb, so its agent need not answer: build first there too
    const overlap = !env.kit.baseInitramfsPath && !profile.debug;
    let guest: PreparedGuest;
    if (overlap) {
      const kshramBuild = buildUserModule(prepare);
      userBuild = kshramBuild.catch(() => undefined);
      const base = await prepareGuestBase(prepare);
      cancelled();
      vm = await startGuest(env, base, { ...options, profile });
      cancelled();
      options.onVmStarted?.(vm);
      guest = { ...base, kshram: await kshramBuild };
      cancelled();
      options.onBuilt?.(guest);
      if (guest.kshram.ok) await deliverModule(vm, env.toolchain, guest.kshram.koPath!, DELIVERY_READY_TIMEOUT_MS);
    } else {
      guest = await prepareGuest(prepare);
      cancelled();
      options.onBuilt?.(guest);
      vm = await startGuest(env, guest, { ...options, profile });
      cancelled();
      options.onVmStarted?.(vm);
    }
    if (options.waitReadyMs !== undefined) await vm.agent.waitReady(options.waitReadyMs);
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
      await vm?.stop();
      vm = await startGuest(env, built, { ...options, profile });
      options.onVmStarted?.(vm);
      if (overlap && built.kshram.ok) await deliverModule(vm, env.toolchain, built.kshram.koPath!, DELIVERY_READY_TIMEOUT_MS);
      return vm;
    };
    return {
      get vm() {
        return vm!;
      },
      guest,
      profile,
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
