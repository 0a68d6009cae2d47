/**
 * Engine results as API data. Each function names the fields it passes,
 * so nothing the UI should not see (host paths of build products) leaks,
 * and a change in the engine's types breaks the build here, not in the UI.
 */
import type { ApiDiagnostic, BuildOutcome, CheckedFindingInfo, CrashInfo, CrashLocationInfo, GradeItem, GradeResult, SlotsSnapshot } from '../api/contract.js';
import type { SourceSite } from '../symbols/decode.js';
import { explainFinding } from '../checked/explain.js';
import type { CheckedFinding } from '../checked/findings.js';
import { slotViewBlame } from '../slots/slot-view-task.js';
import type { DecodedCrash } from '../symbols/decode-crash.js';
import { describeCrash, readableReport, type CrashReport } from '../vm/crash.js';
import type { ModuleBuildResult } from '../build/module.js';
import type { Diagnostic } from '../build/diagnostics.js';
import type { ItemResult } from '../grade/checklist.js';
import type { GradeReport } from '../grade/runner.js';
import type { SlotSnapshot } from '../slots/snapshot.js';
import { safeStrings } from '../untrusted-text.js';

const diagnostic = (d: Diagnostic): ApiDiagnostic => ({ file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message });

export function toBuildOutcome(result: ModuleBuildResult, kit: string): BuildOutcome {
  return { ok: result.ok, diagnostics: result.diagnostics.map(diagnostic), log: result.log, elapsedMs: result.elapsedMs, kit, finishedAt: Date.now() };
}

export function toGradeItem(item: ItemResult): GradeItem {
  return { id: item.id, title: item.title, points: item.points, max: item.max, status: item.status, evidence: item.evidence, elapsedMs: item.elapsedMs };
}

export function toGradeResult(report: GradeReport): GradeResult {
  return {
    total: report.total,
    max: report.max,
    elapsedMs: report.elapsedMs,
    vmElapsedMs: report.vmElapsedMs,
    timeLimitMs: report.timeLimitMs,
    kit: report.kit,
    kernelRelease: report.kernelRelease,
    accel: report.accel,
    accelReason: report.accelReason,
    toolchain: report.toolchain,
    items: report.items.map(toGradeItem),
    notes: report.notes,
    build: { ok: report.build.ok, elapsedMs: report.build.elapsedMs, diagnostics: report.build.diagnostics.map(diagnostic) },
    ...(report.checked ? { checked: { checkers: report.checked.checkers, findings: report.checked.findings.map(toFindingInfo) } } : {}),
    ...(report.crash ? { kernelCrash: gradeCrash(report) } : {}),
  };
}

/** The crash that ended a grade, as the workbench shows a boot's: where in the student's code, under which program. */
function gradeCrash(report: GradeReport): CrashInfo & { item: number } {
  const crash = report.crash!;
  const location = crash.yourCode && toLocation(crash.yourCode);
  return safeStrings({
    item: crash.item,
    summary: crash.summary,
    report: report.items.find((i) => i.id === crash.item)?.evidence ?? crash.summary,
    ...(location ? { location } : {}),
    ...(crash.task ? { task: crash.task } : {}),
  });
}

/** A decoded site of the student's code, for the UI: file, line, function, the line's text, the calls it was inlined into. */
function toLocation(site: SourceSite): CrashLocationInfo | undefined {
  if (!site.file || !site.line) return undefined;
  return {
    file: site.file,
    line: site.line,
    function: site.function,
    ...(site.source ? { source: site.source } : {}),
    ...(site.inlinedInto?.length ? { inlinedInto: site.inlinedInto.map((call) => ({ function: call.function, file: call.file, line: call.line })) } : {}),
  };
}

/** A checker's finding for the UI: what and where in the student's code (the frames stay in the report text). */
export function toFindingInfo(finding: CheckedFinding): CheckedFindingInfo {
  const location = finding.site && toLocation(finding.site);
  const explanation = explainFinding(finding);
  return safeStrings({
    kind: finding.kind,
    label: finding.label,
    title: finding.title,
    count: finding.count,
    ...(location ? { location } : {}),
    ...(explanation ? { explanation } : {}),
    report: finding.text,
  });
}

export function toSlotsSnapshot(snapshot: SlotSnapshot): SlotsSnapshot {
  return {
    loaded: snapshot.loaded,
    slots: snapshot.slots.map((s) => ({ index: s.index, size: s.size, hex: s.hex, error: s.error })),
    malformed: snapshot.malformed,
    takenAt: snapshot.takenAt,
    ...(snapshot.error ? { error: snapshot.error } : {}),
    ...(snapshot.consoleBusy ? { consoleBusy: true } : {}),
  };
}

/** A crash for the UI: the report, and once decoded, where it is in the student's code and who ran into it. */
export function toCrashInfo(crash: CrashReport, decoded?: DecodedCrash): CrashInfo {
  // the report is the module's printk text and the frames DWARF names: evidence, made safe to show (untrusted-text.ts)
  const info: CrashInfo = safeStrings({ summary: describeCrash(crash).replace(/^Kernel panic: (?=Kernel panic)/, ''), report: readableReport(crash) });
  if (!decoded) return info;
  const site = decoded.yourCode;
  const location = site && toLocation(site);
  if (location) info.location = location;
  if (decoded.task) info.task = decoded.task;
  const blame = slotViewBlame(decoded.task, site?.function);
  if (blame) info.slotView = blame;
  info.frames = decoded.frames.map((f) => ({
    function: f.function,
    offset: f.offset,
    ...(f.module ? { module: f.module } : {}),
    ...(f.file ? { file: f.file } : {}),
    ...(f.line ? { line: f.line } : {}),
    ...(f.source ? { source: f.source } : {}),
    inlinedFrom: f.inlinedFrom.map((i) => ({ function: i.function, ...(i.file ? { file: i.file } : {}), ...(i.line ? { line: i.line } : {}) })),
  }));
  return safeStrings(info);
}
