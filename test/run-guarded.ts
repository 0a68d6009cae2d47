/**
 * Runs a command under the test suite's leftover guard (test/leftovers.ts):
 *   tsx test/run-guarded.ts COMMAND [ARG...]      e.g. tsx test/run-guarded.ts tsx bench/boot.ts
 * The benches start QEMU, servers and clangd as the tests do; `npm run
 * bench*` runs them this way. The command and everything it starts carry
 * a marker of this run; once the command has exited, any of them still
 * running is named and killed, and the exit status is 1 (else the
 * command's own).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { describeLeftovers, endLeftovers, graceMs, leftoversAfter, processCount, RUN_MARKER } from './leftovers.js';

/** What the command started may still be going away as it exits. */
const GRACE_MS = 3_000;
/** Status for a bad command line, as the CLI's EXIT_USAGE. */
const EXIT_USAGE = 2;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: tsx test/run-guarded.ts COMMAND [ARG...]');
  process.exit(EXIT_USAGE);
}
const marker = { name: RUN_MARKER, value: `guarded-${process.pid}-${randomBytes(4).toString('hex')}` };
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, [RUN_MARKER]: marker.value } });
// Ctrl-C reaches the command from the terminal itself; the guard stays to look afterwards
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => signal !== 'SIGINT' && child.kill(signal));
const status = await new Promise<number>((resolve) => {
  child.once('error', (err) => {
    console.error(`${command}: ${err.message}`);
    resolve(EXIT_USAGE);
  });
  child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
});

// the guard's own children (tsx's esbuild service) are not the command's
const left = await leftoversAfter({ marker, root: process.pid, isRunner: (p) => p.ppid === process.pid && p.pid !== child.pid }, graceMs(GRACE_MS));
if (left.length) {
  const unkillable = await endLeftovers(left);
  console.error(`\n${command} ${args.join(' ')} left ${processCount(left.length)} running (now killed):\n${describeLeftovers(left)}`);
  if (unkillable.length) console.error(`Still alive after SIGKILL: ${unkillable.join(', ')}`);
  process.exit(1);
}
process.exit(status);
