import type { DebugPhase, DebugState } from './state.js';
import type { MiRecord } from './mi.js';

/** Where the guest stopped, as the student sees it. */
export type DebugStop = NonNullable<DebugState['stop']>;

/**
 * Who holds the guest, as the engine knows it. The student sees only
 * starting, running, stopped and ended: the engine's own stops (to load
 * symbols or set a breakpoint in a running guest, and the init hook's)
 * show as running, and end without the student seeing them.
 */
export type Hold =
  /** gdb attaches (QEMU stops the guest when it does). */
  | { kind: 'starting' }
  /** The guest runs; `stepping`: a button's step, next or finish, whose end gets a line in the console. */
  | { kind: 'running'; stepping: boolean }
  /** Stopped where the student sees it: a breakpoint, a step's end, --wait. */
  | { kind: 'stopped'; stop: DebugStop; thread?: number }
  /** The engine interrupted the guest for work of its own and waits for the stop. */
  | { kind: 'interrupting'; stopped(record: MiRecord): void }
  /** Stopped for the engine's work; resumed when it is done. */
  | { kind: 'engine' }
  /** Stopped at the init hook (init-hook.ts), or maybe: the engine looks, then resumes. */
  | { kind: 'hook' }
  /** gdb ended, or the guest did. */
  | { kind: 'ended' };

/** What the student sees of each. */
export const VISIBLE_PHASE: Record<Hold['kind'], DebugPhase> = { starting: 'starting', running: 'running', stopped: 'stopped', interrupting: 'running', engine: 'running', hook: 'running', ended: 'ended' };
