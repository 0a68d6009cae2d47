import { GUEST_MODULE_DIR } from '../../guest/initramfs.js';
import { KSHRAM_DEFAULT_SIZE, KSHRAM_DEVICES, KSHRAM_PROC, KSHRAM_SLOTS } from '../../lab.js';
import { lastLines } from '../evidence.js';
import type { ItemContext } from './context.js';
import type { ItemOutcome } from './outcome.js';
import { devNodes, firstWords, kernelThreads } from './probes.js';
import { TIMEOUTS } from '../../timeouts.js';

/** The devices as the lab's text names them: "/dev/kshram0..7". */
const DEVICES_TEXT = `${KSHRAM_DEVICES[0]}..${KSHRAM_SLOTS - 1}`;

/** Loads kshram.ko and checks /dev/kshram0..7; the failed item's outcome, or undefined when all is well. */
export async function loadKshram({ session, recorder, state }: ItemContext): Promise<ItemOutcome | undefined> {
  state.threadsBeforeLoad = await kernelThreads(recorder);
  const before = await devNodes(recorder);
  const insmod = await recorder.sh(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, TIMEOUTS.gradeInsmodMs);
  if (insmod.status !== 0) {
    return recorder.finish(false, `insmod kshram.ko failed (exit ${insmod.status})${firstWords(insmod)}${recorder.hint}`);
  }
  session.moduleLoaded('kshram');
  const after = await devNodes(recorder);
  const expected: readonly string[] = KSHRAM_DEVICES;
  const missing = expected.filter((path) => !after.has(path));
  const notChar = expected.filter((path) => after.get(path) === false);
  const appeared = [...after.keys()].filter((path) => !before.has(path) && !expected.includes(path));
  // the lab asks for exactly eight: a kshram8 is as wrong as a missing kshram7
  const extra = appeared.filter((path) => path.startsWith('/dev/kshram'));
  if (!missing.length && !notChar.length && !extra.length) return undefined;
  recorder.record(`--- /dev after insmod (kshram and new entries) ---\n${[...after.keys()].filter((p) => p.startsWith('/dev/kshram') || appeared.includes(p)).join('\n') || '(none)'}`);
  if (!missing.length && !notChar.length) return recorder.finish(false, `${DEVICES_TEXT} appeared, and also ${extra.join(', ')}: the lab asks for exactly ${KSHRAM_SLOTS} devices`);
  const parts = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (notChar.length) parts.push(`not character devices: ${notChar.join(', ')}`);
  if (appeared.length) parts.push(`new in /dev instead: ${appeared.join(', ')}`);
  return recorder.finish(false, `${DEVICES_TEXT} did not all appear as character devices: ${parts.join('; ')}`);
}

/** A note (never a verdict) when /proc/kshram does not list 8 slots of 4096 right after loading. */
export async function checkProcListing({ recorder, notes }: ItemContext): Promise<void> {
  const proc = await recorder.sh(`cat ${KSHRAM_PROC}`, TIMEOUTS.probeMs, { quiet: true, label: `cat ${KSHRAM_PROC}` });
  const lines = proc.output.trim().split('\n');
  const wellFormed = proc.status === 0 && lines.length === KSHRAM_SLOTS && lines.every((l, i) => l.trim() === `${String(i).padStart(2, '0')}: ${KSHRAM_DEFAULT_SIZE}`);
  if (wellFormed) return;
  const got = proc.status === 0 ? `it reads ${JSON.stringify(lines.slice(0, 3).join(' | ').slice(0, 80))}` : `cat says ${JSON.stringify(lastLines(proc.output, 1).trim())}`;
  const last = String(KSHRAM_SLOTS - 1).padStart(2, '0');
  notes.push(`item 3: ${KSHRAM_PROC} does not list ${KSHRAM_SLOTS} slots of ${KSHRAM_DEFAULT_SIZE} ("00: ${KSHRAM_DEFAULT_SIZE}" ... "${last}: ${KSHRAM_DEFAULT_SIZE}") right after loading: ${got}`);
}
