import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { describeLeftovers, endLeftovers, graceMs, leftoversAfter, processCount, RUN_MARKER } from './leftovers.js';

/**
 * The test suite's leftover guard (test/leftovers.ts) for a program run
 * outside vitest: the benches, which start QEMU, servers, clangd, Redis
 * and workers as the tests do.
 */

/** What the program started may still be going away as it exits. */
const GRACE_MS = 3_000;

/**
 * Runs `command` with a marker of its own, and once it has exited names
 * and kills any process it started that is still running. Resolves with
 * its exit status, or 1 when it left something.
 */
export async function runGuarded(command: string, args: readonly string[]): Promise<number> {
  const marker = { name: RUN_MARKER, value: `guarded-${process.pid}-${randomBytes(4).toString('hex')}` };
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, [marker.name]: marker.value } });
  // Ctrl-C reaches the program from the terminal itself; the guard stays to look afterwards
  const relay = (signal: NodeJS.Signals): void => void (signal !== 'SIGINT' && child.kill(signal));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, relay);
  const status = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      console.error(`${command}: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, relay);
  // the guard's own children (tsx's esbuild service) are not the program's
  const left = await leftoversAfter({ marker, root: process.pid, isRunner: (p) => p.ppid === process.pid && p.pid !== child.pid }, graceMs(GRACE_MS));
  if (!left.length) return status;
  const unkillable = await endLeftovers(left);
  console.error(`\n${[command, ...args].join(' ')} left ${processCount(left.length)} running (now killed):\n${describeLeftovers(left)}`);
  if (unkillable.length) console.error(`Still alive after SIGKILL: ${unkillable.join(', ')}`);
  return 1;
}

/**
 * The first thing a bench does: unless it already runs under a guard (or
 * the test suite's), it runs itself again under runGuarded, the same
 * arguments and loader flags (tsx's), and exits with that status.
 */
export async function guardThisProcess(): Promise<void> {
  if (process.env[RUN_MARKER]) return;
  process.exit(await runGuarded(process.execPath, [...process.execArgv, ...process.argv.slice(1)]));
}
