import type { Kit } from '../kit/kit.js';
import { WATCHDOG_THRESH_S, watchdogParameters } from '../vm/qemu.js';

/**
 * Checked runs: the same grade or stress run, on a kernel told to look for
 * the memory and locking bugs that do not crash at once. A debug kit has
 * its checkers compiled in (kit.sanitizers); a stock Debian kernel gets
 * what it already supports, switched on from the command line.
 */

/**
 * SLUB's own debugging on every cache: sanity checks (F), red zones
 * around objects (Z), poisoning of free objects (P) and the allocating
 * and freeing call sites (U). page_poison=1 fills freed pages and checks
 * them when they are handed out again. Both are in Debian's kernels.
 */
export const STOCK_CHECK_PARAMETERS = ['slub_debug=FZPU', 'page_poison=1'] as const;
/**
 * Every guest's commands run with a soft-lockup threshold of 4 s (app/vm/qemu.ts):
 * a CPU stuck for 8 s is reported. The debug kit's KASAN kernel on a loaded
 * host was reported stuck for 9 s in a kworker while booting the reference;
 * its threshold is scaled like its time limits (the later parameters win).
 */
const debugKitWatchdog = (): string[] => watchdogParameters(WATCHDOG_THRESH_S * DEBUG_KIT_TIME_LIMIT_SCALE);
/** KFENCE (in Debian's 6.12, off until given an interval) samples one allocation every this many ms. */
export const KFENCE_SAMPLE_INTERVAL_MS = 5;
/** The first Debian series built with KFENCE. */
const KFENCE_SINCE: readonly [number, number] = [6, 12];

export type Sanitizer = NonNullable<Kit['sanitizers']>[number];

const sanitizersOf = (kit: Kit): readonly Sanitizer[] => kit.sanitizers ?? [];

/** What a checked run on this kit can find, for messages and the README. */
export function checkersOf(kit: Kit): string[] {
  if (sanitizersOf(kit).length) return [...sanitizersOf(kit)];
  return ['slub-debug', 'page-poison', ...(hasKfence(kit) ? ['kfence'] : [])];
}

/** The kernel parameters a checked run adds on this kit (none for a debug kit: its checkers are always on). */
export function checkedParameters(kit: Kit): string[] {
  if (sanitizersOf(kit).length) return debugKitWatchdog();
  return [...STOCK_CHECK_PARAMETERS, ...(hasKfence(kit) ? [`kfence.sample_interval=${KFENCE_SAMPLE_INTERVAL_MS}`] : [])];
}

/** The kit as a checked run boots it: its command line plus the checking parameters. */
export function checkedKit(kit: Kit): Kit {
  const append = [kit.qemu.append, ...checkedParameters(kit)].filter(Boolean).join(' ');
  return { ...kit, qemu: { ...kit.qemu, append } };
}

/**
 * A debug kit's kernel is several times slower than Debian's under TCG
 * (boot 17.7 s vs 5.2 s measured side by side; a whole grade 75-120 s
 * against ~25 s under the same load), so the course's limit, meant for
 * its own kernel, would cut off a working module on a busy host (3 of 7
 * corpus grades did at exactly 120 s, and a 5 s listing of /dev timed
 * out at item 3). Its grades get this many times the limit, and each
 * step's: a hang is still caught, a correct module is not cut off.
 */
export const DEBUG_KIT_TIME_LIMIT_SCALE = 3;

/** How much slower than the course's kernel this kit's is: its grade's limits, each step's included, are scaled by it. */
export function timeScaleOf(kit: Kit): number {
  return alwaysChecked(kit) ? DEBUG_KIT_TIME_LIMIT_SCALE : 1;
}

/** The time limit a grade on this kit gets unless told: the course's, or a multiple of it on a debug kit. */
export function defaultTimeLimitMs(kit: Kit, courseLimitMs: number): number {
  return courseLimitMs * timeScaleOf(kit);
}

/** A debug kit's kernel checks every run, asked or not. */
export function alwaysChecked(kit: Kit): boolean {
  return sanitizersOf(kit).length > 0;
}

export function hasKmemleak(kit: Kit): boolean {
  return sanitizersOf(kit).includes('kmemleak');
}

function hasKfence(kit: Kit): boolean {
  const [major = 0, minor = 0] = kit.kernelRelease.split(/[.-]/).map(Number);
  return major > KFENCE_SINCE[0] || (major === KFENCE_SINCE[0] && minor >= KFENCE_SINCE[1]);
}
