import type { PreparedGuest } from '../guest/prepare.js';
import type { GraderGuest } from '../grade/grader-guest.js';
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

/** The objects a guest loaded, for decoding frames: the built modules and the kit's vmlinux. */
export function guestSymbols(kit: Kit, guest: PreparedGuest): RunSymbols {
  const modules: Record<string, { koPath: string; buildDir: string }> = {};
  if (guest.kshram.ok && guest.kshram.koPath) modules.kshram = { koPath: guest.kshram.koPath, buildDir: guest.kshram.buildDir };
  // the hello module is ours, built once per kit into the cache: its frames need no line
  return { modules, ...(kit.vmlinuxPath ? { vmlinux: kit.vmlinuxPath } : {}) };
}

/**
 * After the checklist: kmemleak's scan (debug kits; the modules are
 * unloaded by now) and every checker report seen on the console, as
 * findings with lines. Call before the run's build directory goes.
 */
export async function checkedResult(session: GraderGuest, kit: Kit, guest: PreparedGuest): Promise<CheckedResult> {
  const symbols = guestSymbols(kit, guest);
  const koPaths = Object.fromEntries(Object.entries(symbols.modules).map(([name, m]) => [name, m.koPath]));
  const leaks = hasKmemleak(kit) ? await scanLeaks(session, koPaths) : [];
  const findings = await checkedFindings(session.vm.crashes.sanitizerReports, leaks, symbols);
  return { checkers: checkersOf(kit), findings };
}
