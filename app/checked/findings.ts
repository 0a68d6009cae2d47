import { decodeFrames, describeOwnSite, firstOwnSite, type RunSymbols, type SourceSite } from '../symbols/decode.js';
import type { SanitizerReport } from '../vm/crash.js';
import type { KernelFrame } from '../vm/kernel-log.js';
import { sanitizerKind, type SanitizerKind } from '../vm/report-kinds.js';
import { describeLeaks, type LeakedBlock } from './kmemleak.js';

/**
 * What a checked run found: every checker report, with its frames and,
 * decoded, the line of the student's code it points at. These are notes:
 * the course's server runs no checker, so points never depend on them.
 */
export interface CheckedFinding {
  kind: SanitizerKind;
  /** "KASAN", "lockdep", ... */
  label: string;
  /** The report's first line: "BUG: KASAN: use-after-free in kshram_set_size+0x1c3/0x2d0 [kshram]". */
  title: string;
  /** Reliable frames, innermost first, as the kernel printed them (the symbol decoder's input). */
  frames: KernelFrame[];
  /** The first place in the student's own code the frames lead to. */
  site?: SourceSite;
  /** How many times the same report came (the kernel repeats some); for kmemleak, how many objects leaked. */
  count: number;
  /** The report as printed, for the evidence. */
  text: string;
}

export const CHECKED_NOTE_PREFIX = 'checked run (no points lost)';

/** Reports and leaks as findings, the same report once with a count, frames decoded to lines. */
export async function checkedFindings(reports: readonly SanitizerReport[], leaks: readonly LeakedBlock[], symbols: RunSymbols): Promise<CheckedFinding[]> {
  const byKey = new Map<string, CheckedFinding>();
  for (const report of reports) {
    const key = `${report.kind}|${sameBugTitle(report.title)}|${report.frames.find((f) => f.module)?.func ?? ''}`;
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { kind: report.kind, label: sanitizerKind(report.kind).label, title: report.title, frames: report.frames, count: 1, text: report.text });
  }
  const findings = [...byKey.values()];
  for (const finding of findings) {
    const site = await ownSite(finding.frames, symbols);
    if (site) finding.site = site;
  }
  return [...findings, ...(await leakFindings(leaks, symbols))];
}

/**
 * One finding per place in the student's code that allocated what was
 * never freed: a module that forgets its buffers leaks one per slot, from
 * init and from each resize (kshram_realloc inlined into either), all
 * from the one line.
 */
async function leakFindings(leaks: readonly LeakedBlock[], symbols: RunSymbols): Promise<CheckedFinding[]> {
  const groups = new Map<string, { site?: SourceSite; blocks: LeakedBlock[] }>();
  for (const leak of leaks) {
    const site = await ownSite(leak.frames, symbols);
    const key = site ? `${site.file ?? ''}:${site.line ?? ''}:${site.function}` : (leak.frames.find((f) => f.module)?.func ?? '');
    const group = groups.get(key) ?? { ...(site ? { site } : {}), blocks: [] };
    group.blocks.push(leak);
    groups.set(key, group);
  }
  const label = sanitizerKind('kmemleak').label;
  return [...groups.values()].map(({ site, blocks }) => ({
    kind: 'kmemleak' as const,
    label,
    title: describeLeaks(blocks),
    frames: blocks[0]!.frames,
    ...(site ? { site } : {}),
    count: blocks.length,
    text: blocks.map((block) => block.text).join('\n'),
  }));
}

async function ownSite(frames: readonly KernelFrame[], symbols: RunSymbols): Promise<SourceSite | undefined> {
  const decoded = await decodeFrames(
    frames.map((frame) => ({ func: frame.func, offset: frame.offset, length: frame.length, module: frame.module, exact: false })),
    symbols,
  );
  return firstOwnSite(decoded.frames);
}

/**
 * A title with what changes between repeats of one bug taken out:
 * addresses, offsets, the taint flags and (SLUB) which kmalloc cache the
 * object of that size fell into.
 */
export function sameBugTitle(title: string): string {
  return title
    .replace(/\(Tainted: [^)]*\)/, '')
    .replace(/^BUG kmalloc-(rcl-)?\w+/, 'BUG kmalloc')
    .replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '')
    .replace(/0x[0-9a-f]+/g, '');
}

/** "checked run (no points lost): KASAN: BUG: KASAN: use-after-free in ... — your code: kshram.c:97 `...` in kshram_set_size" */
export function findingNote(finding: CheckedFinding): string {
  // a leak's title counts its objects itself
  const times = finding.count > 1 && finding.kind !== 'kmemleak' ? ` (${finding.count} times)` : '';
  const where = finding.site ? ` — ${describeOwnSite(finding.site)}` : '';
  return `${CHECKED_NOTE_PREFIX}: ${finding.label}${times}: ${finding.title}${where}`;
}
