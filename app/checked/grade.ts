import type { GraderGuest } from '../guest-run/grader-guest.js';
import type { Kit } from '../kit/kit.js';
import type { RunSymbols } from '../symbols/decode.js';
import { checkersOf, hasKmemleak } from './checked.js';
import { checkedFindings, type CheckedFinding } from './findings.js';
import { scanLeaks } from './kmemleak.js';

/** What a checked grade adds to its report. */
export interface CheckedResult {
  /** The checkers the kernel ran with: "kasan", "lockdep", ... or "slub-debug", "page-poison". */
  checkers: string[];
  findings: CheckedFinding[];
}

/**
 * After the checklist: kmemleak's scan (debug kits; the modules are
 * unloaded by now) and every checker report seen on the console, as
 * findings with lines, decoded against the booted guest's symbols (its
 * .ko files must still be there).
 */
export async function checkedResult(session: GraderGuest, kit: Kit, symbols: RunSymbols): Promise<CheckedResult> {
  const koPaths = Object.fromEntries(Object.entries(symbols.modules).map(([name, m]) => [name, m.koPath]));
  const leaks = hasKmemleak(kit) ? await scanLeaks(session, koPaths) : [];
  const findings = await checkedFindings(session.vm.crashes.sanitizerReports, leaks, symbols);
  return { checkers: checkersOf(kit), findings };
}
