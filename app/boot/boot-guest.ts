import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { prepareGuest, type PreparedGuest } from '../guest/prepare.js';
import type { GdbStubLaunch } from '../vm/qemu.js';
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
}

export interface BootOptions {
  /** Console size of the guest's pty. */
  cols?: number;
  rows?: number;
  /**
   * Called between the stages: the guest is built, QEMU not started. A
   * throw here (a cancelled run) ends the boot, with nothing left behind.
   */
  onBuilt?(guest: PreparedGuest): void;
  /** QEMU started; the guest is booting. */
  onVmStarted?(vm: Vm): void;
  /** Wait this long for the guest's agent before returning (the grader waits itself, racing crashes). */
  waitReadyMs?: number;
  /** Aborting stops the boot and the VM. */
  signal?: AbortSignal;
  /** A debug boot: QEMU's gdbstub on 127.0.0.1 (app/debug/). */
  gdb?: GdbStubLaunch;
}

export interface BootedGuest {
  vm: Vm;
  guest: PreparedGuest;
  /** Stops QEMU and removes the build files; safe to call twice. */
  dispose(): Promise<void>;
}

/** Stage 1: builds the module, ours and the check programs, and the initramfs, into `runDir`. */
export function buildGuest(env: Environment, workspace: GuestWorkspace, runDir: string): Promise<PreparedGuest> {
  return prepareGuest({ kit: env.kit, toolchain: env.toolchain, workspaceDir: resolve(workspace.dir), checksDir: workspace.checksDir, kcflags: workspace.kcflags, compat: workspace.compat, runDir });
}

/** Stage 2: starts QEMU on a built guest; the guest is still booting when this returns. */
export function startGuest(env: Environment, guest: PreparedGuest, size: { cols?: number; rows?: number; gdb?: GdbStubLaunch } = {}): Promise<Vm> {
  return Vm.start({ kit: env.kit, accel: env.accel.accel, initramfs: guest.initramfs, cols: size.cols, rows: size.rows, gdb: size.gdb });
}

export function cancelledError(what: string): LabError {
  return new LabError('CANCELLED', `${what} was cancelled.`);
}

/**
 * The one path from a workspace to a running guest, used by the grader,
 * the workbench, `kshram-lab boot`, the tests and the benches: build, then
 * start QEMU. Whatever fails or is cancelled, nothing is left running and
 * no build files stay behind; on success `dispose` does that later.
 */
export async function bootGuest(env: Environment, workspace: GuestWorkspace, options: BootOptions = {}): Promise<BootedGuest> {
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-boot-'));
  let vm: Vm | undefined;
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      await vm?.stop();
      await rm(runDir, { recursive: true, force: true });
    })());
  const stopOnAbort = (): void => void vm?.stop();
  options.signal?.addEventListener('abort', stopOnAbort);
  try {
    const guest = await buildGuest(env, workspace, runDir);
    if (options.signal?.aborted) throw cancelledError('The boot');
    options.onBuilt?.(guest);
    vm = await startGuest(env, guest, options);
    if (options.signal?.aborted) throw cancelledError('The boot');
    options.onVmStarted?.(vm);
    if (options.waitReadyMs !== undefined) await vm.agent.waitReady(options.waitReadyMs);
    return { vm, guest, dispose };
  } catch (err) {
    await dispose();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', stopOnAbort);
  }
}
