import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildren, processAlive } from './process.js';

/**
 * Whatever ends this process — a normal exit, an error, SIGTERM, SIGHUP,
 * Ctrl-C — kills every child it started (builds, QEMU) and removes every
 * folder it made. Run folders live in one private temporary folder per
 * process (TMPDIR points there, so every mkdtemp(tmpdir()) lands in it),
 * removed in one go; folders left by a process killed with SIGKILL, where
 * no handler runs, are swept by the next start.
 */

/** After a signal, the command's own handler (a graceful cancel) gets this long before we exit anyway. */
export const SIGNAL_GRACE_MS = 1_000;
/** Private temporary folders: kshram-lab-PID-XXXXXX under the system's temporary folder. */
const SCOPE_PREFIX = 'kshram-lab-';
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

let scopeDir: string | undefined;

/** Kills the children and removes the private folder; synchronous, so it also runs from process.on('exit'). */
export function cleanUpNow(): void {
  killAllChildren();
  if (!scopeDir) return;
  try {
    rmSync(scopeDir, { recursive: true, force: true });
  } catch {
    // best effort on the way out
  }
}

/**
 * Sets up the process: a private temporary folder, exit and signal
 * handlers. Returns the private folder. Idempotent.
 */
export function enterProcessScope(): string {
  if (scopeDir) return scopeDir;
  const systemTmp = tmpdir();
  sweepStaleScopes(systemTmp);
  scopeDir = mkdtempSync(join(systemTmp, `${SCOPE_PREFIX}${process.pid}-`));
  process.env.TMPDIR = scopeDir;
  process.on('exit', cleanUpNow);
  for (const signal of Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[]) {
    process.on(signal, () => onSignal(signal));
  }
  return scopeDir;
}

function onSignal(signal: NodeJS.Signals): void {
  const status = 128 + SIGNAL_NUMBERS[signal]!;
  const exit = (): never => {
    cleanUpNow();
    process.exit(status);
  };
  // a command with its own handler (grade's graceful cancel, web's stop) goes first, but not for long
  if (process.listenerCount(signal) > 1) {
    killAllChildren();
    setTimeout(exit, SIGNAL_GRACE_MS).unref();
    return;
  }
  exit();
}

/** Private folders of processes that are gone (killed with SIGKILL). */
function sweepStaleScopes(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${SCOPE_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
    } catch {
      // someone else's, or already gone
    }
  }
}
