import { decodeFrames, describeOwnSite, firstOwnSite, type RunSymbols, type SourceSite } from '../symbols/decode.js';
import type { SanitizerReport } from '../vm/crash.js';
import type { KernelFrame } from '../vm/kernel-log.js';
import { sanitizerKind, type SanitizerKind } from '../vm/report-kinds.js';
import { describeLeak, type LeakedBlock } from './kmemleak.js';

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
  /** How many times the same report came (the kernel repeats some). */
  count: number;
  /** The report as printed, for the evidence. */
  text: string;
}

export const CHECKED_NOTE_PREFIX = 'checked run (no points lost)';

/** Reports and leaks as findings, the same report once with a count, frames decoded to lines. */
export async function checkedFindings(reports: readonly SanitizerReport[], leaks: readonly LeakedBlock[], symbols: RunSymbols): Promise<CheckedFinding[]> {
  const raw: Omit<CheckedFinding, 'site' | 'count'>[] = [
    ...reports.map((report) => ({ kind: report.kind, label: sanitizerKind(report.kind).label, title: report.title, frames: report.frames, text: report.text })),
    ...leaks.map((leak) => ({ kind: 'kmemleak' as const, label: sanitizerKind('kmemleak').label, title: describeLeak(leak), frames: leak.frames, text: leak.text })),
  ];
  const byKey = new Map<string, CheckedFinding>();
  for (const finding of raw) {
    const key = `${finding.kind}|${sameBugTitle(finding.title)}|${finding.frames.find((f) => f.module)?.func ?? ''}`;
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { ...finding, count: 1 });
  }
  const findings = [...byKey.values()];
  for (const finding of findings) {
    const decoded = await decodeFrames(
      finding.frames.map((frame) => ({ func: frame.func, offset: frame.offset, length: frame.length, module: frame.module, exact: false })),
      symbols,
    );
    const site = firstOwnSite(decoded.frames);
    if (site) finding.site = site;
  }
  return findings;
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
  const times = finding.count > 1 ? ` (${finding.count} times)` : '';
  const where = finding.site ? ` — ${describeOwnSite(finding.site)}` : '';
  return `${CHECKED_NOTE_PREFIX}: ${finding.label}${times}: ${finding.title}${where}`;
}
