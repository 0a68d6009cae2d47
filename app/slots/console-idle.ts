/**
 * A guest shell test that exits 4 while a program the student started on
 * the console (ttyS0) still runs: the console's shell is a session leader
 * on ttyS0, and it is idle exactly when its process group owns the
 * terminal's foreground (stat fields 5 pgrp, 6 session, 7 tty_nr, 8 tpgid).
 * The slot view maps slots only when it passes, so it never runs
 * alongside (or under the name of) the student's command.
 */
export const CONSOLE_BUSY_STATUS = 4;

/** tty_nr of /dev/ttyS0 (major 4, minor 64) as /proc/PID/stat encodes it. */
const TTYS0_NR = (4 << 8) | 64;

export const CONSOLE_IDLE_TEST = [
  'for f in /proc/[0-9]*/stat; do',
  'read -r p c s pp pg sid tty tpg rest < "$f" 2>/dev/null || continue;',
  `if [ "$p" = "$sid" ] && [ "$tty" = ${TTYS0_NR} ] && [ "$tpg" != "$pg" ]; then exit ${CONSOLE_BUSY_STATUS}; fi;`,
  'done',
].join(' ');
