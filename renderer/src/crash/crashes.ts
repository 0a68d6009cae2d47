import type { CrashInfo, CrashLocationInfo, GradeResult, VmStatus } from '../../../app/api';

/** A kernel crash the editor and Problems show, with where it came from. */
export interface ShownCrash {
  crash: CrashInfo;
  /** "boot": the student's VM (live, or stopped since); "grade": the last grade's VM. */
  origin: 'boot' | 'grade';
  /** "Boot" or "Grade, item 5": what Problems and the hover say it came from. */
  label: string;
}

/** A line of the student's code a crash leads to: where it was, or a call it was inlined into. */
export interface CrashSite {
  file: string;
  line: number;
  function: string;
  /** The function whose code crashed here, inlined into `function` at this line. */
  inlined?: string;
}

/** Where a crash is in the student's code, innermost first: the crashing line, then the lines it was inlined into. */
export function crashSites(location: CrashLocationInfo): CrashSite[] {
  const sites: CrashSite[] = [{ file: location.file, line: location.line, function: location.function }];
  let inner = location.function;
  for (const caller of location.inlinedInto ?? []) {
    sites.push({ file: caller.file, line: caller.line, function: caller.function, inlined: inner });
    inner = caller.function;
  }
  return sites;
}

/**
 * The crashes to show: the student's VM's (kept after it stopped, e.g. by
 * Grade, until the next boot) and the last grade's, each labelled.
 */
export function shownCrashes(vm: VmStatus, grade: GradeResult | undefined): ShownCrash[] {
  const shown: ShownCrash[] = [];
  if (vm.crash) shown.push({ crash: vm.crash, origin: 'boot', label: vm.phase === 'crashed' ? 'Boot' : 'Boot (VM stopped since)' });
  if (grade?.kernelCrash) shown.push({ crash: grade.kernelCrash, origin: 'grade', label: `Grade, item ${grade.kernelCrash.item}` });
  return shown;
}
