import type { Vm } from '../vm/vm.js';
import { TIMEOUTS } from '../timeouts.js';

/** The kernel's messages of an insmod reach the console within this much quiet… */
const QUIET_MS = 300;
/** …or the redraw goes ahead anyway: a module that logs without end has no prompt to keep. */
const MAX_WAIT_MS = 3_000;
/** tty_nr of /dev/ttyS0 (major 4, minor 64) as /proc/PID/stat encodes it. */
const TTYS0_NR = (4 << 8) | 64;

/**
 * SIGWINCH to the console's shell while it waits at its prompt (its
 * process group owns the terminal): busybox's line editor answers by
 * drawing the prompt again on the line it is on. Nothing is typed.
 */
const REDRAW_PROMPT = [
  'for f in /proc/[0-9]*/stat; do',
  'read -r p c s pp pg sid tty tpg rest < "$f" 2>/dev/null || continue;',
  `if [ "$p" = "$sid" ] && [ "$tty" = ${TTYS0_NR} ] && [ "$tpg" = "$pg" ]; then kill -WINCH "$p"; fi;`,
  'done',
].join(' ');

/**
 * After the workbench loaded kshram.ko through the agent, the kernel's
 * messages have landed after (or inside) the console's prompt: once they
 * have settled, the idle shell draws its prompt again below them, as if
 * the student had pressed Enter, without a keystroke reaching the guest.
 */
export async function redrawPrompt(vm: Vm): Promise<void> {
  await consoleQuiet(vm);
  if (!vm.running || !vm.agent.ready) return;
  await vm.agent.run(REDRAW_PROMPT, { timeoutMs: TIMEOUTS.probeMs }).catch(() => undefined);
}

function consoleQuiet(vm: Vm): Promise<void> {
  return new Promise((resolve) => {
    let quiet = setTimeout(done, QUIET_MS);
    const cap = setTimeout(done, MAX_WAIT_MS);
    const listening = vm.onConsoleData(() => {
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    });
    function done(): void {
      clearTimeout(quiet);
      clearTimeout(cap);
      listening.dispose();
      resolve();
    }
  });
}
