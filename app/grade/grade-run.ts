import { resolve } from 'node:path';
import { bootGuest, cancelledError, type BootedGuest } from '../boot/boot-guest.js';
import type { Environment } from '../boot/environment.js';
import { formatDiagnostic, type Diagnostic } from '../build/diagnostics.js';
import { defaultTimeLimitMs, timeScaleOf } from '../checked/checked.js';
import { findingNote } from '../checked/findings.js';
import { checkedResult, type CheckedResult } from '../checked/grade.js';
import { DisposableStore, onAbort } from '../events.js';
import { itemMarker } from '../guest-run/console-markers.js';
import { GraderGuest } from '../guest-run/grader-guest.js';
import { decodedCrashFields, frameYourCode, warningYourCode } from '../symbols/decode-crash.js';
import type { RunSymbols } from '../symbols/decode.js';
import { describeCrash, warningSite, type KernelWarning } from '../vm/crash.js';
import { bootProfile, type BootProfile } from '../vm/profile.js';
import type { Vm } from '../vm/vm.js';
import { DEFAULT_TIME_LIMIT_MS, notRun, type ItemResult } from './checklist.js';
import { withoutSyncMarkers } from './console-view.js';
import { contractNotes } from './contract.js';
import { lastLines } from './evidence.js';
import type { ItemContext } from './items/context.js';
import { BootFailed, RunEnded, type ItemOutcome } from './items/outcome.js';
import { ItemRecorder } from './items/recorder.js';
import { newRunState, type RunState } from './items/run-state.js';
import { GRADE_ITEMS, MAX_POINTS, type GradeItem } from './items/table.js';
import { YOUR_CODE_SEPARATOR, type GradeListener, type GradeOptions, type GradeReport } from './grade-types.js';
import { safeStrings } from '../untrusted-text.js';

/** Compiler messages shown in item 3's evidence when kshram.c does not build. */
const BUILD_ERRORS_SHOWN = 10;

type BuildError = NonNullable<ItemContext['kshramBuildError']>;

/**
 * One grade in progress (gradeSubmission's steps): the guest it runs on,
 * what the items found so far, and what to undo when it ends.
 */
export class GradeRun {
  private readonly disposables = new DisposableStore();
  private readonly listener: GradeListener;
  private readonly timeLimitMs: number;
  private readonly profile: BootProfile;
  private readonly notes: string[] = [];
  private readonly items: ItemResult[] = [];
  private crash: GradeReport['crash'];
  private booted?: BootedGuest;
  /** The guest the items run in, with its console listener: both replaced when the VM is. */
  private guest?: { vm: Vm; grader: GraderGuest; subscriptions: DisposableStore };
  private rebooted = false;
  private vmElapsedMs = 0;
  /** The kernel's warnings during the graded items (not during the extra checks after them). */
  private itemWarnings: KernelWarning[] = [];
  private checkedReport?: CheckedResult;

  constructor(
    private readonly env: Environment,
    private readonly options: GradeOptions,
  ) {
    this.listener = options.listener ?? {};
    this.timeLimitMs = options.timeLimitMs ?? defaultTimeLimitMs(env.kit, DEFAULT_TIME_LIMIT_MS);
    this.profile = bootProfile(env.kit, { checked: options.checked, coldBoot: options.coldBoot });
    this.disposables.add(onAbort(options.signal, () => void this.booted?.vm.stop()));
  }

  /** Builds the submission and boots the grading VM (QEMU starts while kshram.c compiles). */
  async boot(workspaceDir: string): Promise<void> {
    const { kit, toolchain, accel } = this.env;
    const { options, listener } = this;
    listener.onStage?.('build', `building with the ${toolchain.name} toolchain for ${kit.name}`);
    this.booted = await bootGuest(
      this.env,
      { dir: workspaceDir, checksDir: options.checksDir, kcflags: options.kcflags, compat: options.compat, prebuiltKo: options.prebuiltKo },
      {
        signal: options.signal,
        profile: this.profile,
        onVmStarted: (vm) => listener.onVmStarted?.(vm.started),
        onBuilt: (guest) => {
          // which compatibility shims made the module build, line by line
          this.notes.push(...guest.kshram.compat.notes);
          listener.onStage?.('boot', `booting Linux ${kit.kernelRelease} (${accel.accel})`);
        },
      },
    );
    this.gradeOn(this.booted.vm);
  }

  /** The items in order; a failed one stops the rest, as on the course's server. */
  async runItems(): Promise<void> {
    const { guest } = this.booted!;
    const kshramBuildError = guest.kshram.ok ? undefined : buildFailure(guest.kshram.diagnostics, guest.kshram.log);
    // what crosses items (unload #1's leftovers, threads before a load); each item records on its own
    const state = newRunState();
    this.listener.onStage?.('items', 'running the checklist');
    let stopped = false;
    for (const item of GRADE_ITEMS) {
      if (stopped) {
        this.items.push(notRun({ id: item.id, title: item.title, max: item.points }, 'not run: an earlier item failed'));
        this.listener.onItemEnd?.(this.items.at(-1)!);
        continue;
      }
      const result = await this.runItem(item, state, kshramBuildError);
      this.items.push(result);
      this.listener.onItemEnd?.(result);
      stopped = result.status !== 'pass';
    }
    const { vm } = this.guest!;
    this.vmElapsedMs = Date.now() - vm.started;
    this.listener.onItemsDone?.(this.vmElapsedMs);
    // warnings of the graded items only: kshram_tap asks for 64 MiB on purpose, which a correct
    // module may answer with an allocator warning
    this.itemWarnings = [...vm.crashes.warnings];
  }

  /** What did not change a verdict: the extra checks after a full score, kernel warnings, a checked run's findings. */
  async addNotes(): Promise<void> {
    const { guest, symbols, boot } = this.booted!;
    this.notes.push(...boot.notes);
    const grader = this.guest!.grader;
    // beyond the course's checks, after a full score only: notes, never points
    if (this.items.every((item) => item.status === 'pass')) this.notes.push(...(await contractNotes(grader)));
    this.notes.push(...(await warningNotes(this.itemWarnings, symbols)));
    if (!guest.kshram.ok) this.notes.push('kshram.c did not compile; see item 3');
    this.checkedReport = this.profile.checked ? await checkedResult(grader, this.env.kit, symbols) : undefined;
    if (this.checkedReport) this.notes.push(...this.checkedReport.findings.map(findingNote));
  }

  report(workspaceDir: string, started: number): GradeReport {
    const { kit, toolchain, accel } = this.env;
    const { guest, boot } = this.booted!;
    const { kshram } = guest;
    const total = this.items.reduce((sum, item) => sum + item.points, 0);
    this.listener.onStage?.('done', `${total}/${MAX_POINTS}`);
    // notes, the crash's frames and the compiler's messages quote the submission too (untrusted-text.ts)
    return safeStrings<GradeReport>({
      submission: resolve(workspaceDir),
      total,
      max: MAX_POINTS,
      elapsedMs: Date.now() - started,
      vmElapsedMs: this.vmElapsedMs,
      timeLimitMs: this.timeLimitMs,
      kit: kit.name,
      kernelRelease: kit.kernelRelease,
      accel: accel.accel,
      accelReason: accel.reason,
      toolchain: toolchain.name,
      checks: this.options.checksDir ? 'custom' : 'builtin',
      items: this.items,
      notes: this.notes,
      build: { ok: kshram.ok, elapsedMs: kshram.elapsedMs, diagnostics: kshram.diagnostics, compat: kshram.compat },
      ...(this.crash ? { crash: this.crash } : {}),
      ...(this.checkedReport ? { checked: this.checkedReport } : {}),
      boot: { start: boot.start, ...(boot.coldBecause ? { coldBecause: boot.coldBecause } : {}) },
    });
  }

  /** Stops listening, then ends QEMU and removes the run's files. */
  async dispose(): Promise<void> {
    this.disposables.dispose();
    await this.booted?.dispose();
  }

  /** Grades on `vm` from now on: a GraderGuest for it, and its console passed on; those of a VM it replaces stop. */
  private gradeOn(vm: Vm): void {
    if (this.guest) this.disposables.delete(this.guest.subscriptions);
    const subscriptions = this.disposables.add(new DisposableStore());
    const onConsoleData = this.listener.onConsoleData?.bind(this.listener);
    if (onConsoleData) subscriptions.add(vm.onConsoleData(withoutSyncMarkers(onConsoleData)));
    const { guest } = this.booted!;
    const grader = subscriptions.add(
      new GraderGuest(vm, vm.started + this.timeLimitMs, { kshram: guest.kshram.koPath, hello: guest.hello }, { checked: this.profile.checked, timeScale: timeScaleOf(this.env.kit) }),
    );
    this.guest = { vm, grader, subscriptions };
  }

  private async runItem(item: GradeItem, state: RunState, kshramBuildError: BuildError | undefined): Promise<ItemResult> {
    this.listener.onItemStart?.(item.id);
    const itemStarted = Date.now();
    let ran = await this.attempt(item, state, kshramBuildError);
    if (ran instanceof BootFailed && !this.rebooted) ran = await this.retryOnFreshVm(ran, item, state, kshramBuildError);
    const outcome = ran instanceof RunEnded ? await this.endedOutcome(ran, item) : ran;
    checkAborted(this.options.signal);
    // evidence is the submission's output and the kernel's messages: made safe to print before anything shows it
    return safeStrings<ItemResult>({
      id: item.id,
      title: item.title,
      points: outcome.pass ? item.points : 0,
      max: item.points,
      status: outcome.pass ? 'pass' : 'fail',
      evidence: `${outcome.summary}\n${outcome.evidence}`.trimEnd(),
      summary: outcome.summary,
      elapsedMs: Date.now() - itemStarted,
    });
  }

  private async attempt(item: GradeItem, state: RunState, kshramBuildError: BuildError | undefined): Promise<ItemOutcome | RunEnded> {
    const session = this.guest!.grader;
    try {
      if (item.id > 1) await session.note(itemMarker(item.id, item.title));
      return await item.run({ session, recorder: new ItemRecorder(session, item.id, this.timeLimitMs), state, kshramBuildError, notes: this.notes });
    } catch (err) {
      if (err instanceof RunEnded) return err;
      throw err;
    }
  }

  /**
   * The kernel or QEMU failed before any module was loaded (seen: a rare
   * panic while booting on a busy host): the submission had no part in
   * it, so it gets the fresh VM a TA would give it, once.
   */
  private async retryOnFreshVm(failed: BootFailed, item: GradeItem, state: RunState, kshramBuildError: BuildError | undefined): Promise<ItemOutcome | RunEnded> {
    const { kit, accel } = this.env;
    checkAborted(this.options.signal);
    this.rebooted = true;
    this.notes.push(`boot: the first VM failed while booting, before any module was loaded (${failed.summary}); graded on a fresh one`);
    this.listener.onStage?.('boot', `booting Linux ${kit.kernelRelease} (${accel.accel}) again`);
    const vm = await this.booted!.restart();
    checkAborted(this.options.signal);
    this.gradeOn(vm);
    return this.attempt(item, state, kshramBuildError);
  }

  /** A failed item's verdict when the run ended in it; a crash or a stuck task leads with the student's line. */
  private async endedOutcome(ended: RunEnded, item: GradeItem): Promise<ItemOutcome> {
    const booted = this.booted!;
    checkAborted(this.options.signal);
    const outcome = { pass: false, summary: ended.summary, evidence: ended.evidence };
    if (ended.crash) {
      // decoded now, while the run's .ko files still exist
      const decoded = await booted.decodeCrash(ended.crash);
      this.crash = { kind: ended.crash.kind, item: item.id, summary: describeCrash(ended.crash), ...decodedCrashFields(decoded) };
      // the evidence (and the one-line summary, its first line) starts with the student's line
      if (decoded.yourCodeText) return { ...outcome, summary: `${decoded.yourCodeText} ${YOUR_CODE_SEPARATOR} ${outcome.summary}` };
    } else if (ended.stuckAt) {
      const yourCode = await frameYourCode(ended.stuckAt.frame, ended.stuckAt.exact, booted.symbols);
      if (yourCode) return { ...outcome, summary: `${yourCode} ${YOUR_CODE_SEPARATOR} ${outcome.summary}` };
    }
    return outcome;
  }
}

/**
 * One note per distinct warning (busybox's insmod tries twice, so a failing
 * init warns twice, possibly from the other CPU: the same warning whichever
 * CPU and task it came from), with where it points into the student's code.
 */
async function warningNotes(warnings: readonly KernelWarning[], symbols: RunSymbols): Promise<string[]> {
  const bySite = new Map<string, KernelWarning[]>();
  for (const warning of warnings) {
    const site = warningSite(warning.title);
    bySite.set(site, [...(bySite.get(site) ?? []), warning]);
  }
  const notes: string[] = [];
  for (const [first, ...more] of bySite.values()) {
    const yourCode = await warningYourCode(first!.text, symbols);
    notes.push(`kernel warning${more.length ? ` (${more.length + 1} times)` : ''}: ${first!.title}${yourCode ? ` (${yourCode})` : ''}`);
  }
  return notes;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError('Grading');
}

/** Item 3's verdict for a module that does not compile: the first error, then the rest. */
function buildFailure(diagnostics: Diagnostic[], log: string): BuildError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const shown = (errors.length ? errors : diagnostics).slice(0, BUILD_ERRORS_SHOWN).map(formatDiagnostic);
  if (!shown.length) return { summary: 'kshram.c does not compile', evidence: lastLines(log, 15) };
  return { summary: `kshram.c does not compile: ${shown[0]}`, evidence: shown.slice(1).join('\n') };
}
