import type { Kit } from '../kit/kit.js';
import { alwaysChecked, DEBUG_KIT_SLOWDOWN, hasKfence } from '../vm/profile.js';

/**
 * Checked runs: the same grade or stress run, on a kernel told to look for
 * the memory and locking bugs that do not crash at once. A debug kit has
 * its checkers compiled in (kit.sanitizers); a stock Debian kernel gets
 * what it already supports, switched on from the command line.
 */

export type Sanitizer = NonNullable<Kit['sanitizers']>[number];

const sanitizersOf = (kit: Kit): readonly Sanitizer[] => kit.sanitizers ?? [];

/** What a checked run on this kit can find, for messages and the README. */
export function checkersOf(kit: Kit): string[] {
  if (sanitizersOf(kit).length) return [...sanitizersOf(kit)];
  return ['slub-debug', 'page-poison', ...(hasKfence(kit) ? ['kfence'] : [])];
}

/** How much slower than the course's kernel this kit's is: its grade's limits, each step's included, are scaled by it. */
export function timeScaleOf(kit: Kit): number {
  return alwaysChecked(kit) ? DEBUG_KIT_SLOWDOWN : 1;
}

/** The time limit a grade on this kit gets unless told: the course's, or a multiple of it on a debug kit. */
export function defaultTimeLimitMs(kit: Kit, courseLimitMs: number): number {
  return courseLimitMs * timeScaleOf(kit);
}

export function hasKmemleak(kit: Kit): boolean {
  return sanitizersOf(kit).includes('kmemleak');
}
