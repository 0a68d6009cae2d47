/**
 * Per-step limits (milliseconds). Each is far above what a working module
 * needs, and below the course's 120 s, so a hang is reported at the step
 * that hangs. The overall deadline still applies to every step.
 */
/** A TCG boot to the agent takes 2-8 s here, more on a busy host. */
export const BOOT_TIMEOUT_MS = 60_000;
/**
 * insmod has no limit of its own, only the run's: an init that sleeps
 * passes on the course server as long as both loads fit in 120 s, and so
 * it must here. A hung init ends at the time limit, with its stack.
 */
export const INSMOD_TIMEOUT_MS = Number.POSITIVE_INFINITY;
/** A correct exit takes milliseconds; an rmmod still running after this is deadlocked. */
export const RMMOD_TIMEOUT_MS = 15_000;
/** Our checks take about a second under TCG; the course's check_fork has its own 30 s alarm. */
export const CHECK_TIMEOUT_MS = 40_000;
/** Listing /dev or reading /proc/kshram. */
export const PROBE_TIMEOUT_MS = 5_000;
/** After the time limit, how long the stuck task's stack may take to read: the run is over already. */
export const DEADLINE_SCAN_MS = 3_000;
/** Reading the kernel's log through the agent (128 KiB at most). */
export const DMESG_TIMEOUT_MS = 3_000;
/**
 * The console's log level while grading: warnings, errors and the grader's
 * markers (notice) reach the console, pr_info stays in the kernel's log
 * (read with dmesg for evidence). At 7 every pr_info crawls through the
 * emulated UART (~150 KB/s under TCG) inside the module's own call, and the
 * serial driver keeps the soft-lockup watchdog quiet: an endless pr_info
 * loop in init was named by RCU's stall detector after ~28 s (before the
 * grace-period kick, only at the 120 s limit); at 6 the soft-lockup
 * watchdog names it in ~11 s.
 * (Level 6 once left a loop with interrupts off unreported by RCU: the
 * grader now keeps a grace period in flight, see grader-guest.ts.)
 */
export const GRADING_CONSOLE_LOGLEVEL = 6;
/** Console lines shown when QEMU exits or time runs out. */
export const CONSOLE_TAIL_LINES = 25;
