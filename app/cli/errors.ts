import pc from 'picocolors';
import { toErrorData, type LabErrorCode } from '../errors.js';
import { safeStrings } from '../untrusted-text.js';

/** Exit statuses: 0 full marks / success, 1 graded below full marks, 2 could not run, 3 environment problem. */
export const EXIT_OK = 0;
export const EXIT_NOT_FULL_MARKS = 1;
export const EXIT_USAGE = 2;
export const EXIT_ENVIRONMENT = 3;
/** sysexits' EX_TEMPFAIL: something else holds the VM; try again later. */
export const EXIT_BUSY = 75;
/** As a shell reports a job ended by Ctrl-C (128 + SIGINT). */
export const EXIT_CANCELLED = 130;

/** What the host lacks or cannot reach (exit 3): installing, building or starting it fixes the command as typed. */
const ENVIRONMENT: ReadonlySet<LabErrorCode> = new Set(['KIT_MISSING', 'KIT_CORRUPT', 'KIT_INSTALL_FAILED', 'QEMU_MISSING', 'QEMU_FAILED', 'TOOLCHAIN_MISSING', 'DOCKER_UNAVAILABLE', 'GDB_MISSING', 'UI_NOT_BUILT', 'QUEUE_UNAVAILABLE', 'DISCONNECTED']);

export interface ErrorOutput {
  /** --json: stdout gets the error as a JSON object ({"error": {code, message, suggestion}}), so a script never reads nothing. */
  json?: boolean;
}

/** The one place the CLI turns an error into a message and an exit status. */
export function handleError(err: unknown, output: ErrorOutput = {}): never {
  // a message may name a submission's files: made safe for the terminal it is printed on
  const data = safeStrings(toErrorData(err));
  if (output.json) process.stdout.write(`${JSON.stringify({ error: data }, null, 2)}\n`);
  process.stderr.write(`${pc.red('error:')} ${data.message}\n`);
  if (data.suggestion) process.stderr.write(`${pc.yellow('hint:')} ${data.suggestion}\n`);
  if (data.code === 'INTERNAL' && err instanceof Error && process.env.KSHRAM_LAB_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(exitStatusOf(data.code));
}

export function exitStatusOf(code: LabErrorCode): number {
  if (code === 'CANCELLED') return EXIT_CANCELLED;
  // a busy VM, or a course service's rate limit: the same "try again later"
  if (code === 'BUSY' || code === 'RATE_LIMITED') return EXIT_BUSY;
  return ENVIRONMENT.has(code) ? EXIT_ENVIRONMENT : EXIT_USAGE;
}
