/**
 * Every limit on a guest operation, in one table (milliseconds), each with
 * why it is what it is. The grader's limits sit far above what a working
 * module needs and below the course's 120 s, so a hang is reported at the
 * step that hangs; the run's overall time limit still applies to each.
 */
export const TIMEOUTS = {
  /** A TCG boot to the agent takes 2-8 s here, more on a busy host. */
  bootMs: 60_000,
  /**
   * The grader's insmod has no limit of its own, only the run's: an init
   * that sleeps passes on the course server as long as both loads fit in
   * 120 s, and so it must here. A hung init ends at the time limit, with its stack.
   */
  gradeInsmodMs: Number.POSITIVE_INFINITY,
  /**
   * The workbench's insmod: a working module loads in milliseconds; a
   * student watching a hung init gets their console back after this.
   */
  interactiveInsmodMs: 20_000,
  /** A correct exit takes milliseconds; an rmmod still running after this is deadlocked. */
  rmmodMs: 15_000,
  /** Our checks take about a second under TCG; the course's check_fork has its own 30 s alarm. */
  checkMs: 40_000,
  /** kshram_tap takes well under a second on a correct module. */
  tapMs: 20_000,
  /** Listing /dev, reading /proc/kshram, stty: milliseconds. */
  probeMs: 5_000,
  /** Listing the guest's tasks takes well under a second, even under TCG. */
  stuckScanMs: 5_000,
  /** After the time limit, how long the stuck task's stack may take to read: the run is over already. */
  deadlineScanMs: 3_000,
  /** Reading the kernel's log through the agent (128 KiB at most). */
  dmesgMs: 3_000,
  /** A marker written to /dev/kmsg reaches the console in milliseconds. */
  barrierMs: 3_000,
  /** After an Oops starts, how long the rest of its report may take to arrive. */
  crashSettleMs: 2_000,
  /** QEMU's exit status follows its serial port closing within milliseconds. */
  exitWaitMs: 2_000,
} as const;

/**
 * `work`'s result, or `late()`'s once `ms` have passed, whichever comes
 * first; the timer never outlives the race. An infinite `ms` waits for
 * `work` alone (a timer cannot hold Infinity: Node would fire it at once).
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
