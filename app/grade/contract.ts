import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { describeCrash } from '../vm/crash.js';
import { lastLines } from './evidence.js';
import { PROBE_TIMEOUT_MS, RMMOD_TIMEOUT_MS } from './items.js';
import type { GuestSession, StepOutcome } from './session.js';

/**
 * The module's contract beyond the course's three checks: error codes,
 * mmap bounds, zeroed tails, EBUSY while mapped (module/checks/kshram_tap.c,
 * a TAP stream). The course's server does not test these, so they never
 * change points: after a full score the module is loaded a third time and
 * every "not ok" becomes a note that tells the student what else is wrong.
 */

/** kshram_tap takes well under a second on a correct module. */
const TAP_TIMEOUT_MS = 20_000;
export const CONTRACT_NOTE_PREFIX = 'beyond the course\'s checks (no points lost)';
const PREFIX = CONTRACT_NOTE_PREFIX;
/** "not ok 13 - mapping 2 pages of a 1-page slot fails with EINVAL (errno 0: Success)" */
const NOT_OK = /^not ok \d+ - (.*?)(?: \(errno \d+: [^)]*\))?$/;

/** Notes from a TAP stream: each failed test, or why the stream stopped. */
export function tapNotes(output: string, status: number | null): string[] {
  const lines = output.replace(/\r/g, '').split('\n');
  const notes = lines.map((line) => NOT_OK.exec(line)?.[1]).filter((d): d is string => d !== undefined).map((d) => `${PREFIX}: not ok: ${d}`);
  const bail = lines.find((line) => line.startsWith('Bail out!'));
  if (bail) notes.push(`${PREFIX}: kshram_tap stopped: ${bail.slice('Bail out!'.length).trim()}`);
  const planned = lines.some((line) => /^1\.\.\d+$/.test(line));
  if (!planned && !bail) notes.push(`${PREFIX}: kshram_tap ended early (${status === null ? 'no exit status' : status > 128 ? `killed by signal ${status - 128}` : `exit ${status}`}) after: ${lastLines(output, 1).trim() || 'no output'}`);
  return notes;
}

function outcomeNote(what: string, outcome: Exclude<StepOutcome, { kind: 'done' }>): string {
  switch (outcome.kind) {
    case 'crash':
      return `${PREFIX}: ${what} crashed the kernel: ${describeCrash(outcome.crash)}`;
    case 'exit':
      return `${PREFIX}: QEMU exited during ${what}`;
    case 'deadline':
      return `${PREFIX}: ${what} was stopped at the time limit`;
  }
}

/** Loads the module again, runs kshram_tap and unloads; returns the notes. Never throws. */
export async function contractNotes(session: GuestSession): Promise<string[]> {
  if (!session.vm.running) return [];
  await session.note('beyond the course: kshram_tap (notes only)');
  const load = await session.exec(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, PROBE_TIMEOUT_MS);
  if (load.kind !== 'done') return [outcomeNote('a third insmod', load)];
  if (load.result.status !== 0) return [`${PREFIX}: a third insmod failed (exit ${load.result.status})`];
  const tap = await session.exec('kshram_tap', TAP_TIMEOUT_MS);
  if (tap.kind !== 'done') return [outcomeNote('kshram_tap', tap)];
  if (tap.result.timedOut) return [`${PREFIX}: kshram_tap did not finish within ${TAP_TIMEOUT_MS / 1000} s`];
  const notes = tapNotes(tap.result.output, tap.result.status);
  const unload = await session.exec('rmmod kshram', RMMOD_TIMEOUT_MS);
  if (unload.kind !== 'done') notes.push(outcomeNote('rmmod after kshram_tap', unload));
  else if (unload.result.status !== 0 || unload.result.timedOut) notes.push(`${PREFIX}: rmmod after kshram_tap failed`);
  return notes;
}
