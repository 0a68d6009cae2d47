import { resolve } from 'node:path';
import { bootGuest, cancelledError, type BootedGuest } from '../boot/boot-guest.js';
import { resolveEnvironment, type Environment } from '../boot/environment.js';
import type { CompatReport } from '../build/compat.js';
import { formatDiagnostic, type Diagnostic } from '../build/diagnostics.js';
import type { ToolchainPreference } from '../build/select.js';
import { LabError } from '../errors.js';
import type { Accel, AccelPreference } from '../vm/accel.js';
import { describeCrash, warningSite, type CrashKind, type KernelWarning } from '../vm/crash.js';
import { decodedCrashFields, frameYourCode, warningYourCode, type CrashLocation } from '../symbols/decode-crash.js';
import { defaultTimeLimitMs, timeScaleOf } from '../checked/checked.js';
import { bootProfile } from '../vm/profile.js';
import { findingNote } from '../checked/findings.js';
import { checkedResult, type CheckedResult } from '../checked/grade.js';
import { validateChecksDir } from './checks-dir.js';
import { contractNotes } from './contract.js';
import { DEFAULT_TIME_LIMIT_MS, notRun, type ItemResult } from './checklist.js';
import { GRADE_ITEMS, MAX_POINTS } from './items/table.js';
import { lastLines } from './evidence.js';
import { BootFailed, RunEnded, type ItemOutcome } from './items/outcome.js';
import { ItemRecorder } from './items/recorder.js';
import { newRunState } from './items/run-state.js';
import { itemMarker } from '../guest-run/console-markers.js';
import { withoutSyncMarkers } from './console-view.js';
import { GraderGuest } from '../guest-run/grader-guest.js';

/** Between "your code: kshram.c:183 ..." and the kernel's report in a crashed item's summary. */
export const YOUR_CODE_SEPARATOR = '—';
/** Compiler messages shown in item 3's evidence when kshram.c does not build. */
const BUILD_ERRORS_SHOWN = 10;

export interface GradeListener {
  onStage?(stage: 'build' | 'boot' | 'items' | 'done', detail: string): void;
  onItemStart?(id: number): void;
  onItemEnd?(item: ItemResult): void;
  onConsoleData?(text: string): void;
}

export interface GradeOptions {
  kit?: string;
  accel?: AccelPreference;
  toolchain?: ToolchainPreference;
  /** Boot and all items must finish within this (the course's 120 s by default). */
  timeLimitMs?: number;
  /** The course's check programs (check_*.c, kshram.h) instead of ours. */
  checksDir?: string;
  kcflags?: readonly string[];
  /** Course-kernel compatibility shims (build/compat.ts); on unless false (--no-compat). */
  compat?: boolean;
  /**
   * A checked run (app/checked): a stock kernel boots with slub_debug and
   * page poisoning; checker reports and leaks become notes, never points.
   * A debug kit always checks.
   */
  checked?: boolean;
  signal?: AbortSignal;
  listener?: GradeListener;
  /** Kit, toolchain and accelerator resolved already (a batch resolves them once); else from kit/accel/toolchain. */
  environment?: Environment;
}

export interface GradeReport {
  submission: string;
  total: number;
  max: number;
  /** Build, boot and all items. */
  elapsedMs: number;
  /** From QEMU's start to the last item: what the course's time limit covers. */
  vmElapsedMs: number;
  timeLimitMs: number;
  kit: string;
  kernelRelease: string;
  accel: Accel;
  accelReason: string;
  toolchain: string;
  checks: 'builtin' | 'custom';
  items: ItemResult[];
  /** Observations that did not change a verdict (kernel warnings, leftovers). */
  notes: string[];
  build: { ok: boolean; elapsedMs: number; diagnostics: Diagnostic[]; compat: CompatReport };
  /**
   * The kernel crash that ended the run, if one did: "Kernel Oops in kshram_exit+0x55/0xca9 [kshram]: BUG: ...",
   * its frames decoded from the .ko that was loaded, and the first line of the student's code among them.
   */
  crash?: { kind: CrashKind; item: number; summary: string } & CrashLocation;
  /** A checked run's checkers and what they found (also in notes). */
  checked?: CheckedResult;
}

/**
 * Grades one submission the way the course's server does: one cold boot,
 * the eight items in order, a failed item stopping the rest, everything
 * within the time limit (boot included). QEMU is gone when this returns,
 * whatever happened.
 */
export async function gradeSubmission(workspaceDir: string, options: GradeOptions = {}): Promise<GradeReport> {
  const started = Date.now();
  const listener = options.listener ?? {};
  if (options.timeLimitMs !== undefined && (!(options.timeLimitMs > 0) || !Number.isFinite(options.timeLimitMs))) {
    throw new LabError('BAD_ARGUMENT', `The time limit must be a positive number of seconds, not ${options.timeLimitMs / 1000}.`, 'Use e.g. --time-limit 120 (the course\'s limit).');
  }
  if (options.checksDir) await validateChecksDir(options.checksDir);
  const env: Environment = options.environment ?? (await resolveEnvironment(options));
  const { kit, toolchain, accel } = env;
  const timeLimitMs = options.timeLimitMs ?? defaultTimeLimitMs(kit, DEFAULT_TIME_LIMIT_MS);
  const profile = bootProfile(kit, { checked: options.checked });
  const { checked } = profile;
  const notes: string[] = [];
  const items: ItemResult[] = [];
  let booted: BootedGuest | undefined;
  let crash: GradeReport['crash'];
  const onAbort = (): void => void booted?.vm.stop();
  options.signal?.addEventListener('abort', onAbort);

  try {
    listener.onStage?.('build', `building with the ${toolchain.name} toolchain for ${kit.name}`);
    booted = await bootGuest(
      env,
      { dir: workspaceDir, checksDir: options.checksDir, kcflags: options.kcflags, compat: options.compat },
      {
        signal: options.signal,
        profile,
        onBuilt: (guest) => {
          // which compatibility shims made the module build, line by line
          notes.push(...guest.kshram.compat.notes);
          listener.onStage?.('boot', `booting Linux ${kit.kernelRelease} (${accel.accel})`);
        },
      },
    );
    const { guest } = booted;
    let { vm } = booted;
    const onConsoleData = listener.onConsoleData?.bind(listener);
    const graderGuest = (): GraderGuest => {
      if (onConsoleData) vm.onConsoleData(withoutSyncMarkers(onConsoleData));
      return new GraderGuest(vm, vm.started + timeLimitMs, { kshram: guest.kshram.koPath, hello: guest.hello }, { checked, timeScale: timeScaleOf(kit) });
    };
    let session = graderGuest();
    let rebooted = false;
    const kshramBuildError = guest.kshram.ok ? undefined : buildFailure(guest.kshram.diagnostics, guest.kshram.log);
    // what crosses items (unload #1's leftovers, threads before a load); each item records on its own
    const state = newRunState();

    listener.onStage?.('items', 'running the checklist');
    let stopped = false;
    for (const item of GRADE_ITEMS) {
      if (stopped) {
        items.push(notRun({ id: item.id, title: item.title, max: item.points }, 'not run: an earlier item failed'));
        listener.onItemEnd?.(items.at(-1)!);
        continue;
      }
      listener.onItemStart?.(item.id);
      const itemStarted = Date.now();
      const attempt = async (): Promise<ItemOutcome | RunEnded> => {
        try {
          if (item.id > 1) await session.note(itemMarker(item.id, item.title));
          return await item.run({ session, recorder: new ItemRecorder(session, item.id, timeLimitMs), state, kshramBuildError, notes });
        } catch (err) {
          if (err instanceof RunEnded) return err;
          throw err;
        }
      };
      let ran = await attempt();
      if (ran instanceof BootFailed && !rebooted) {
        // the kernel or QEMU failed before any module was loaded (seen: a rare panic while booting on a
        // busy host): the submission had no part in it, so it gets the fresh VM a TA would give it
        checkAborted(options.signal);
        rebooted = true;
        notes.push(`boot: the first VM failed while booting, before any module was loaded (${ran.summary}); graded on a fresh one`);
        listener.onStage?.('boot', `booting Linux ${kit.kernelRelease} (${accel.accel}) again`);
        vm = await booted.restart();
        checkAborted(options.signal);
        session = graderGuest();
        ran = await attempt();
      }
      let outcome: ItemOutcome;
      if (!(ran instanceof RunEnded)) outcome = ran;
      else {
        const err = ran;
        checkAborted(options.signal);
        outcome = { pass: false, summary: err.summary, evidence: err.evidence };
        if (err.crash) {
          // decoded now, while the run's .ko files still exist
          const decoded = await booted.decodeCrash(err.crash);
          crash = { kind: err.crash.kind, item: item.id, summary: describeCrash(err.crash), ...decodedCrashFields(decoded) };
          // the evidence (and the one-line summary, its first line) starts with the student's line
          if (decoded.yourCodeText) outcome = { ...outcome, summary: `${decoded.yourCodeText} ${YOUR_CODE_SEPARATOR} ${outcome.summary}` };
        } else if (err.stuckAt) {
          const yourCode = await frameYourCode(err.stuckAt.frame, err.stuckAt.exact, booted.symbols);
          if (yourCode) outcome = { ...outcome, summary: `${yourCode} ${YOUR_CODE_SEPARATOR} ${outcome.summary}` };
        }
      }
      checkAborted(options.signal);
      const result: ItemResult = {
        id: item.id,
        title: item.title,
        points: outcome.pass ? item.points : 0,
        max: item.points,
        status: outcome.pass ? 'pass' : 'fail',
        evidence: `${outcome.summary}\n${outcome.evidence}`.trimEnd(),
        summary: outcome.summary,
        elapsedMs: Date.now() - itemStarted,
      };
      items.push(result);
      listener.onItemEnd?.(result);
      stopped = !outcome.pass;
    }
    const vmElapsedMs = Date.now() - vm.started;
    // warnings of the graded items only: kshram_tap asks for 64 MiB on purpose, which a correct
    // module may answer with an allocator warning
    const warnings = [...vm.crashes.warnings];
    // beyond the course's checks, after a full score only: notes, never points
    if (items.every((item) => item.status === 'pass')) notes.push(...(await contractNotes(session)));
    // one note per distinct warning (busybox's insmod tries twice, so a failing init warns twice,
    // possibly from the other CPU: the same warning whichever CPU and task it came from)
    const bySite = new Map<string, KernelWarning[]>();
    for (const warning of warnings) {
      const site = warningSite(warning.title);
      bySite.set(site, [...(bySite.get(site) ?? []), warning]);
    }
    const { symbols } = booted;
    for (const [first, ...more] of bySite.values()) {
      // where the warning points into the student's code, when it does
      const yourCode = await warningYourCode(first!.text, symbols);
      notes.push(`kernel warning${more.length ? ` (${more.length + 1} times)` : ''}: ${first!.title}${yourCode ? ` (${yourCode})` : ''}`);
    }
    if (!guest.kshram.ok) notes.push('kshram.c did not compile; see item 3');
    const checkedReport = checked ? await checkedResult(session, kit, symbols) : undefined;
    if (checkedReport) notes.push(...checkedReport.findings.map(findingNote));
    const total = items.reduce((sum, item) => sum + item.points, 0);
    listener.onStage?.('done', `${total}/${MAX_POINTS}`);
    return {
      submission: resolve(workspaceDir),
      total,
      max: MAX_POINTS,
      elapsedMs: Date.now() - started,
      vmElapsedMs,
      timeLimitMs,
      kit: kit.name,
      kernelRelease: kit.kernelRelease,
      accel: accel.accel,
      accelReason: accel.reason,
      toolchain: toolchain.name,
      checks: options.checksDir ? 'custom' : 'builtin',
      items,
      notes,
      build: { ok: guest.kshram.ok, elapsedMs: guest.kshram.elapsedMs, diagnostics: guest.kshram.diagnostics, compat: guest.kshram.compat },
      ...(crash ? { crash } : {}),
      ...(checkedReport ? { checked: checkedReport } : {}),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await booted?.dispose();
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError('Grading');
}

/** Item 3's verdict for a module that does not compile: the first error, then the rest. */
function buildFailure(diagnostics: Diagnostic[], log: string): { summary: string; evidence: string } {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const shown = (errors.length ? errors : diagnostics).slice(0, BUILD_ERRORS_SHOWN).map(formatDiagnostic);
  if (!shown.length) return { summary: 'kshram.c does not compile', evidence: lastLines(log, 15) };
  return { summary: `kshram.c does not compile: ${shown[0]}`, evidence: shown.slice(1).join('\n') };
}
