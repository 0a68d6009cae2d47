import type { Kit } from '../kit/kit.js';

/**
 * How a guest is booted beyond its kit: the kernel's checkers, a gdbstub,
 * the soft-lockup threshold and whether it may start from the pristine
 * snapshot. Made once per run from what the user asked for; QEMU's
 * arguments (qemu.ts), the initramfs and the snapshot's key follow from it,
 * so no caller rewrites the kit.
 */
export interface BootProfile {
  /**
   * The kernel's checkers on (app/checked): a stock kernel gets the
   * parameters below, a debug kit has its own compiled in; the guest's
   * insmod logs where modules are loaded.
   */
  checked: boolean;
  /** QEMU's gdbstub on 127.0.0.1 and nokaslr, like the course's `qemu.sh debug`. */
  debug?: GdbStubLaunch;
  /** nokaslr without a gdbstub: the kernel at the addresses a debug boot sees (a kit's System.map is read from such a boot). */
  nokaslr?: boolean;
  /** Soft-lockup threshold for what runs in the guest once it is up (seconds). */
  watchdogS: number;
  /**
   * `snapshot`: restore the pristine booted guest of this profile (made the
   * first time); `cold`: boot the kernel (--cold-boot, or where a snapshot
   * cannot stand for a cold boot: a debug boot that waits at the first
   * instruction).
   */
  start: 'snapshot' | 'cold';
}

/** QEMU's gdbstub, like the course's `qemu.sh debug` (-s -S), but on a port of 127.0.0.1 only. */
export interface GdbStubLaunch {
  port: number;
  /** Stop at the first instruction until gdb continues (-S). */
  wait: boolean;
}

/**
 * The soft-lockup threshold for what runs in the guest once it is up: a
 * CPU stuck in a module's endless loop is reported after 2 x 4 = 8 s
 * instead of 20 s (SIGKILL cannot stop such a process); lower would risk
 * false reports when a busy host stalls a vCPU thread for seconds.
 */
export const WATCHDOG_THRESH_S = 4;
/**
 * While the kernel itself boots it keeps its default threshold (20 s):
 * under TCG on a busy host its own boot work can hold a CPU for longer
 * than 8 s (a kworker was reported stuck for 9 s while a slow kernel
 * booted), which failed item 1 with nothing wrong in the module.
 */
const BOOT_WATCHDOG_THRESH_S = 10;

/**
 * A debug kit's kernel is several times slower than Debian's under TCG
 * (boot 17.7 s vs 5.2 s measured side by side; a whole grade 75-120 s
 * against ~25 s under the same load). Its grades get this many times the
 * course's limits (app/checked), and its soft-lockup threshold too: the
 * KASAN kernel on a loaded host was reported stuck for 9 s in a kworker
 * while booting the reference.
 */
export const DEBUG_KIT_SLOWDOWN = 3;

/**
 * SLUB's own debugging on every cache: sanity checks (F), red zones
 * around objects (Z), poisoning of free objects (P) and the allocating
 * and freeing call sites (U). page_poison=1 fills freed pages and checks
 * them when they are handed out again. Both are in Debian's kernels.
 */
export const STOCK_CHECK_PARAMETERS = ['slub_debug=FZPU', 'page_poison=1'] as const;
/** KFENCE (in Debian's 6.12, off until given an interval) samples one allocation every this many ms. */
export const KFENCE_SAMPLE_INTERVAL_MS = 5;
/** The first Debian series built with KFENCE. */
const KFENCE_SINCE: readonly [number, number] = [6, 12];

/** A debug kit's kernel checks every run, asked or not. */
export function alwaysChecked(kit: Kit): boolean {
  return (kit.sanitizers ?? []).length > 0;
}

export interface ProfileRequest {
  /** The user asked for a checked run (a debug kit is checked anyway). */
  checked?: boolean;
  debug?: GdbStubLaunch;
  nokaslr?: boolean;
  /** --cold-boot: never start from a snapshot. */
  coldBoot?: boolean;
}

/** The profile a run on this kit boots with. */
export function bootProfile(kit: Kit, request: ProfileRequest = {}): BootProfile {
  const coldOnly = request.coldBoot || request.debug?.wait;
  return {
    checked: Boolean(request.checked) || alwaysChecked(kit),
    ...(request.debug ? { debug: request.debug } : {}),
    ...(request.nokaslr ? { nokaslr: true } : {}),
    watchdogS: WATCHDOG_THRESH_S * (alwaysChecked(kit) ? DEBUG_KIT_SLOWDOWN : 1),
    start: coldOnly ? 'cold' : 'snapshot',
  };
}

/**
 * The soft-lockup parameters for a guest whose commands run under
 * `thresholdS`: the kernel boots with at least its default, and our /init
 * (resources/guest/init) sets `thresholdS` from its environment
 * (kshram_watchdog_thresh, which the kernel hands init) before the agent
 * and the console shell start.
 */
export function watchdogParameters(thresholdS: number): string[] {
  return [`watchdog_thresh=${Math.max(thresholdS, BOOT_WATCHDOG_THRESH_S)}`, `kshram_watchdog_thresh=${thresholdS}`];
}

/** The kernel parameters a checked run adds on this kit (none for a debug kit: its checkers are always on). */
export function checkedParameters(kit: Kit): string[] {
  if (alwaysChecked(kit)) return [];
  return [...STOCK_CHECK_PARAMETERS, ...(hasKfence(kit) ? [`kfence.sample_interval=${KFENCE_SAMPLE_INTERVAL_MS}`] : [])];
}

/**
 * Kernel command line every guest gets: console on ttyS0, quiet boot
 * (serial output is slow under TCG), an immediate exit on panic, which
 * -no-reboot turns into QEMU exiting, and the soft-lockup thresholds above.
 * no_timer_check skips the kernel's early test that the timer interrupt
 * arrives while it busy-waits: a vCPU thread the host does not run for a
 * moment misses the ticks, and the kernel panicked at boot ("IO-APIC +
 * timer doesn't work!") on a busy host. Linux sets the same for itself
 * under KVM for that reason; QEMU's timer does work. cryptomgr.notests
 * skips the crypto self-tests, which the lab's modules never use: with
 * initcall_debug they were ~0.7 s of a TCG boot on a busy host
 * (crypto_algapi_init), and paired boots used 7% less CPU with it, every
 * pair less (bench/RESULTS.md).
 */
const BASE_APPEND = ['console=ttyS0', 'quiet', 'panic=-1', 'no_timer_check', 'cryptomgr.notests'];

/**
 * The kernel's command line for this kit and profile. The kit's own
 * parameters come after ours (later ones win, so a kit can override); a
 * debug boot needs the module at the addresses /sys/module says, and gdb's
 * view of them stable (nokaslr).
 */
export function kernelCommandLine(kit: Kit, profile: BootProfile): string {
  return [
    ...BASE_APPEND,
    ...watchdogParameters(profile.watchdogS),
    kit.qemu.append,
    ...(profile.checked ? checkedParameters(kit) : []),
    profile.debug || profile.nokaslr ? 'nokaslr' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Debian built KFENCE into its kernels from 6.12. */
export function hasKfence(kit: Kit): boolean {
  const [major = 0, minor = 0] = kit.kernelRelease.split(/[.-]/).map(Number);
  return major > KFENCE_SINCE[0] || (major === KFENCE_SINCE[0] && minor >= KFENCE_SINCE[1]);
}
