/** The grader's console settings; its per-step time limits are in app/timeouts.ts. */
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
