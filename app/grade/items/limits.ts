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
 * The console's log level while grading: everything, pr_info included.
 * Level 6 kept pr_info off the slow emulated UART, but then a module
 * spinning with interrupts off was never reported as an RCU stall (3 of 3
 * corpus runs: the quiet guest started no grace period, and the grader
 * waited for check_resize's 40 s limit); a flood is labelled as a flood
 * instead (report-kinds). Keeping pr_info off the UART needs another way to
 * keep RCU's stall detector armed.
 */
export const GRADING_CONSOLE_LOGLEVEL = 7;
/** Console lines shown when QEMU exits or time runs out. */
export const CONSOLE_TAIL_LINES = 25;
