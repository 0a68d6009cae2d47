import { open } from 'node:fs/promises';
import type { CommandResult } from '../agent/agent.js';
import type { BootProfile } from '../vm/profile.js';
import { Vm } from '../vm/vm.js';
import type { Environment } from './environment.js';
import { snapshotPlan, type SnapshotPlan, type SnapshotStore } from './snapshot-store.js';

/** How a guest started, for reports: restored from the pristine snapshot or booted cold, and why. */
export interface BootRecord {
  start: 'snapshot' | 'cold';
  /** Why a guest that could have been restored booted cold. */
  coldBecause?: string;
  /** Said in the report's notes: a snapshot that failed and was discarded, or could not be saved. */
  notes: string[];
}

export interface PristineStart {
  vm: Vm;
  boot: BootRecord;
  /** What a restored guest's console had printed before it was saved: for vm.replayConsole once listeners are on. */
  savedConsole: string;
  /**
   * For a cold boot that makes the snapshot: once the agent answers, saves
   * the guest (before anything of the student's reaches it) and lets it run
   * on. Never throws; a failure is a note.
   */
  saveWhenReady(readyTimeoutMs: number): Promise<void>;
}

export interface PristineOptions {
  initramfs: string;
  profile: BootProfile;
  store: SnapshotStore;
  cols?: number;
  rows?: number;
}

/** A restored guest's agent answers in milliseconds once QEMU has loaded it; a busy host may take seconds. */
const RESTORED_AGENT_TIMEOUT_MS = 15_000;
/** Setting the clock and reseeding take milliseconds. */
const FRESHEN_TIMEOUT_MS = 10_000;

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * Starts the guest of a run: restored from the pristine snapshot of its
 * key when there is one (clock and entropy renewed at once), else booted
 * cold, and then the snapshot is made from that boot. A snapshot that
 * fails to restore is discarded and the guest boots cold, with a note: a
 * snapshot never fails a run.
 */
export async function startPristine(env: Environment, options: PristineOptions): Promise<PristineStart> {
  const { profile, store } = options;
  const cold = (): Promise<Vm> => Vm.start({ kit: env.kit, accel: env.accel.accel, initramfs: options.initramfs, cols: options.cols, rows: options.rows, profile });
  if (profile.start === 'cold') {
    return { vm: await cold(), boot: { start: 'cold', coldBecause: profile.debug?.wait ? 'a debug boot that waits at the first instruction' : 'asked for (--cold-boot)', notes: [] }, savedConsole: '', saveWhenReady: async () => undefined };
  }
  const plan = await snapshotPlan(env, options.initramfs, profile);
  const notes: string[] = [];
  const snapshot = await store.find(plan.key);
  if (snapshot) {
    let vm: Vm | undefined;
    try {
      vm = await Vm.start({ kit: env.kit, accel: env.accel.accel, initramfs: options.initramfs, cols: options.cols, rows: options.rows, profile, restoreFrom: snapshot.stateFile });
      await vm.agent.waitReady(RESTORED_AGENT_TIMEOUT_MS);
      const fresh = await freshen(vm);
      if (fresh.status !== 0) throw new Error(`the guest could not take the host's clock and entropy: ${fresh.output.trim() || (fresh.timedOut ? 'no answer' : `status ${fresh.status}`)}`);
      return { vm, boot: { start: 'snapshot', notes }, savedConsole: snapshot.meta.console, saveWhenReady: async () => undefined };
    } catch (err) {
      await vm?.stop();
      await store.discard(plan.key);
      notes.push(`boot: the guest snapshot did not restore (${why(err)}); it was discarded and this guest booted cold`);
    }
  }
  const vm = await cold();
  return { vm, boot: { start: 'cold', coldBecause: 'no snapshot of this guest yet: it is made from this boot', notes }, savedConsole: '', saveWhenReady: (timeoutMs) => saveWhenReady(vm, plan, store, notes, timeoutMs) };
}

/**
 * Hands a restored guest the host's clock and entropy; asks a second time
 * when the first request got no answer. Once in a whole suite's restores,
 * on a loaded host, a restored agent answered its ping and then never the
 * request: a frame lost in the restored serial port is answered on the
 * second try, and a guest that answers neither is booted cold.
 */
async function freshen(vm: Vm): Promise<CommandResult> {
  const first = await vm.agent.freshen({ timeoutMs: FRESHEN_TIMEOUT_MS });
  if (!(first.status === null && first.timedOut)) return first;
  return vm.agent.freshen({ timeoutMs: FRESHEN_TIMEOUT_MS });
}

/**
 * Saves a cold-booted guest as the pristine snapshot once its agent
 * answers, unless something already happened to it that a snapshot must
 * not hold: input typed on its console, a kernel report on it.
 */
async function saveWhenReady(vm: Vm, plan: SnapshotPlan, store: SnapshotStore, notes: string[], timeoutMs: number): Promise<void> {
  let release: string;
  try {
    release = await vm.agent.waitReady(timeoutMs);
  } catch {
    return;
  }
  const readyMs = Date.now() - vm.started;
  const { crashes } = vm;
  if (!vm.running || vm.typedInto || crashes.crash || crashes.warnings.length || crashes.sanitizerReports.length) return;
  try {
    await store.save(plan, async (stateFile) => {
      const started = Date.now();
      await vm.save(stateFile);
      const saveMs = Date.now() - started;
      // the state is on disk before the folder is renamed into place
      const file = await open(stateFile, 'r');
      await file.sync().finally(() => file.close());
      return { release, console: vm.console, bootMs: readyMs, saveMs };
    });
  } catch (err) {
    notes.push(`boot: the guest snapshot could not be saved (${why(err)}); the next boot is cold again`);
  }
}
