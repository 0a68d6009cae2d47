import type { CrashReport } from '../../vm/crash.js';
import type { StuckAt } from '../../guest-run/stuck.js';

/** What one item concluded. */
export interface ItemOutcome {
  pass: boolean;
  /** One line: what passed, or why it failed. */
  summary: string;
  /** Commands, their output, kernel messages. */
  evidence: string;
}

/** Thrown inside an item when the guest crashed, died, hung or ran out of time: the run ends. */
export class RunEnded extends Error {
  constructor(
    readonly summary: string,
    readonly evidence: string,
    readonly crash?: CrashReport,
    /** Where a step that never returned was stuck ("kshram_ioctl+0x83/0xec [kshram]"); exact when it is the CPU's own address. */
    readonly stuckAt?: StuckAt,
  ) {
    super(summary);
  }
}

/**
 * The kernel crashed or QEMU exited while the guest booted: no module of
 * the submission had been loaded yet (the grader loads them in items 2
 * and 3), so it says nothing about the submission.
 */
export class BootFailed extends RunEnded {}
