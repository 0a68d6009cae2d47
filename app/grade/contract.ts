import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { describeCrash } from '../vm/crash.js';
import { TIMEOUTS } from '../timeouts.js';
import { EXTRA_CHECKS_MARKER } from '../guest-run/console-markers.js';
import { lastLines } from './evidence.js';
import { failedTests, parseTap } from './tap.js';
import type { GraderGuest, StepOutcome } from '../guest-run/grader-guest.js';

/**
 * The module's contract beyond the course's three checks: error codes,
 * mmap bounds, zeroed tails, EBUSY while mapped (module/checks/kshram_tap.c,
 * a TAP stream). The course's server does not test these, so they never
 * change points: after a full score the module is loaded a third time and
 * every "not ok" becomes a note that tells the student what else is wrong.
 */

export const CONTRACT_NOTE_PREFIX = 'beyond the course\'s checks (no points lost)';
const PREFIX = CONTRACT_NOTE_PREFIX;
/** kshram_tap's failures end in " (errno 0: Success)": noise in a note. */
const ERRNO_SUFFIX = / \(errno \d+: [^)]*\)$/;

/** Notes from a TAP stream: each failed test, or why the stream stopped. */
export function tapNotes(output: string, status: number | null): string[] {
  const tap = parseTap(output);
  const notes = (tap ? failedTests(tap) : []).map((test) => `${PREFIX}: not ok: ${test.description.replace(ERRNO_SUFFIX, '')}`);
  if (tap?.bailOut !== undefined) notes.push(`${PREFIX}: kshram_tap stopped: ${tap.bailOut}`);
  if (tap?.planned === undefined && tap?.bailOut === undefined) notes.push(`${PREFIX}: kshram_tap ended early (${status === null ? 'no exit status' : status > 128 ? `killed by signal ${status - 128}` : `exit ${status}`}) after: ${lastLines(output, 1).trim() || 'no output'}`);
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
export async function contractNotes(session: GraderGuest): Promise<string[]> {
  if (!session.vm.running) return [];
  await session.note(EXTRA_CHECKS_MARKER);
  const load = await session.exec(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, TIMEOUTS.probeMs);
  if (load.kind !== 'done') return [outcomeNote('a third insmod', load)];
  if (load.result.status !== 0) return [`${PREFIX}: a third insmod failed (exit ${load.result.status})`];
  const tap = await session.exec('kshram_tap', TIMEOUTS.tapMs);
  if (tap.kind !== 'done') return [outcomeNote('kshram_tap', tap)];
  if (tap.result.timedOut) return [`${PREFIX}: kshram_tap did not finish within ${TIMEOUTS.tapMs / 1000} s`];
  const notes = tapNotes(tap.result.output, tap.result.status);
  const unload = await session.exec('rmmod kshram', TIMEOUTS.rmmodMs);
  if (unload.kind !== 'done') notes.push(outcomeNote('rmmod after kshram_tap', unload));
  else if (unload.result.status !== 0 || unload.result.timedOut) notes.push(`${PREFIX}: rmmod after kshram_tap failed`);
  return notes;
}
