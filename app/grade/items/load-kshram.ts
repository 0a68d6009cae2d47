import { GUEST_MODULE_DIR } from '../../guest/initramfs.js';
import { lastLines } from '../evidence.js';
import type { ItemContext } from './context.js';
import type { ItemOutcome } from './outcome.js';
import { devNodes, firstWords, kernelThreads } from './probes.js';
import { TIMEOUTS } from '../../timeouts.js';

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
  const expected = Array.from({ length: 8 }, (_, i) => `/dev/kshram${i}`);
  const missing = expected.filter((path) => !after.has(path));
  const notChar = expected.filter((path) => after.get(path) === false);
  const appeared = [...after.keys()].filter((path) => !before.has(path) && !expected.includes(path));
  // the lab asks for exactly eight: a kshram8 is as wrong as a missing kshram7
  const extra = appeared.filter((path) => path.startsWith('/dev/kshram'));
  if (!missing.length && !notChar.length && !extra.length) return undefined;
  recorder.record(`--- /dev after insmod (kshram and new entries) ---\n${[...after.keys()].filter((p) => p.startsWith('/dev/kshram') || appeared.includes(p)).join('\n') || '(none)'}`);
  if (!missing.length && !notChar.length) return recorder.finish(false, `/dev/kshram0..7 appeared, and also ${extra.join(', ')}: the lab asks for exactly 8 devices`);
  const parts = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (notChar.length) parts.push(`not character devices: ${notChar.join(', ')}`);
  if (appeared.length) parts.push(`new in /dev instead: ${appeared.join(', ')}`);
  return recorder.finish(false, `/dev/kshram0..7 did not all appear as character devices: ${parts.join('; ')}`);
}

/** A note (never a verdict) when /proc/kshram does not list 8 slots of 4096 right after loading. */
export async function checkProcListing({ recorder, notes }: ItemContext): Promise<void> {
  const proc = await recorder.sh('cat /proc/kshram', TIMEOUTS.probeMs, { quiet: true, label: 'cat /proc/kshram' });
  const lines = proc.output.trim().split('\n');
  const wellFormed = proc.status === 0 && lines.length === 8 && lines.every((l, i) => l.trim() === `${String(i).padStart(2, '0')}: 4096`);
  if (wellFormed) return;
  const got = proc.status === 0 ? `it reads ${JSON.stringify(lines.slice(0, 3).join(' | ').slice(0, 80))}` : `cat says ${JSON.stringify(lastLines(proc.output, 1).trim())}`;
  notes.push(`item 3: /proc/kshram does not list 8 slots of 4096 ("00: 4096" ... "07: 4096") right after loading: ${got}`);
}
