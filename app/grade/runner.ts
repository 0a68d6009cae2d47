import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompatReport } from '../build/compat.js';
import { formatDiagnostic, type Diagnostic } from '../build/diagnostics.js';
import { CHECK_PROGRAMS } from '../build/programs.js';
import { selectToolchain, type ToolchainPreference } from '../build/select.js';
import { LabError } from '../errors.js';
import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { prepareGuest } from '../guest/prepare.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { chooseAccel, type Accel, type AccelPreference } from '../vm/accel.js';
import { describeCrash, readableReport, type CrashReport } from '../vm/crash.js';
import { Vm } from '../vm/vm.js';
import { CHECKLIST, DEFAULT_TIME_LIMIT_MS, MAX_POINTS, notRun, type ItemResult } from './checklist.js';
import { judgeRun, parseCheckMsg } from './judge.js';
import { GuestSession, type StepOutcome } from './session.js';

/** Per-step limits, each far above what a working module needs (milliseconds). */
const BOOT_TIMEOUT_MS = 60_000;
const MODULE_COMMAND_TIMEOUT_MS = 20_000;
const CHECK_TIMEOUT_MS = 40_000;
const PROBE_TIMEOUT_MS = 5_000;
/** Lines of a command's output kept in an item's evidence. */
const EVIDENCE_LINES = 40;
const CONSOLE_TAIL_LINES = 25;

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
  timeLimitMs?: number;
  /** The course's check programs (check_*.c, kshram.h) instead of ours. */
  checksDir?: string;
  kcflags?: readonly string[];
  /** Course-kernel compatibility shims (build/compat.ts); on unless false (--no-compat). */
  compat?: boolean;
  signal?: AbortSignal;
  listener?: GradeListener;
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
}

interface ItemOutcome {
  pass: boolean;
  evidence: string;
}

/** Thrown inside an item when the guest crashed, died or ran out of time. */
class RunEnded extends Error {
  constructor(readonly evidence: string) {
    super(evidence);
  }
}

/**
 * Grades one submission the way the course's server does: one cold boot,
 * the eight items in order, a failed item stopping the rest, everything
 * within the time limit (boot included).
 */
export async function gradeSubmission(workspaceDir: string, options: GradeOptions = {}): Promise<GradeReport> {
  const started = Date.now();
  const listener = options.listener ?? {};
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const kit = await loadKit(options.kit ?? DEFAULT_KIT);
  const toolchain = await selectToolchain(kit, options.toolchain);
  const accel = await chooseAccel(kit, options.accel ?? 'auto');
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-grade-'));
  const notes: string[] = [];
  const items: ItemResult[] = [];
  let vm: Vm | undefined;
  let vmStarted = 0;

  try {
    listener.onStage?.('build', `building with the ${toolchain.name} toolchain for ${kit.name}`);
    const guest = await prepareGuest({ kit, toolchain, workspaceDir: resolve(workspaceDir), checksDir: options.checksDir, kcflags: options.kcflags, compat: options.compat, runDir });
    // which compatibility shims made the module build, line by line
    notes.push(...guest.kshram.compat.notes);
    checkAborted(options.signal);

    listener.onStage?.('boot', `booting Linux ${kit.kernelRelease} (${accel.accel})`);
    vmStarted = Date.now();
    vm = await Vm.start({ kit, accel: accel.accel, initramfs: guest.initramfs });
    const activeVm = vm;
    const onAbort = (): void => void activeVm.stop();
    options.signal?.addEventListener('abort', onAbort);
    if (listener.onConsoleData) vm.onConsoleData(listener.onConsoleData);
    const session = new GuestSession(vm, vmStarted + timeLimitMs);
    const steps = itemSteps(session, guest.kshram.ok ? undefined : buildFailure(guest.kshram.diagnostics, guest.kshram.log), notes);

    listener.onStage?.('items', 'running the checklist');
    let stopped = false;
    for (const item of CHECKLIST) {
      if (stopped) {
        items.push(notRun(item, `not run: an earlier item failed`));
        listener.onItemEnd?.(items.at(-1)!);
        continue;
      }
      listener.onItemStart?.(item.id);
      const itemStarted = Date.now();
      let outcome: ItemOutcome;
      try {
        checkAborted(options.signal);
        if (item.id > 1) await session.note(`item ${item.id}: ${item.title}`);
        outcome = await steps[item.id]!();
      } catch (err) {
        if (!(err instanceof RunEnded)) throw err;
        outcome = { pass: false, evidence: err.evidence };
      }
      const result: ItemResult = {
        id: item.id,
        title: item.title,
        points: outcome.pass ? item.max : 0,
        max: item.max,
        status: outcome.pass ? 'pass' : 'fail',
        evidence: outcome.evidence.trimEnd(),
        elapsedMs: Date.now() - itemStarted,
      };
      items.push(result);
      listener.onItemEnd?.(result);
      stopped = !outcome.pass;
    }
    options.signal?.removeEventListener('abort', onAbort);
    for (const warning of vm.crashes.warnings) notes.push(`kernel warning: ${warning.title}`);
    if (!guest.kshram.ok) notes.push('kshram.c did not compile; see item 3');
    const vmElapsedMs = Date.now() - vmStarted;
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
    };
  } finally {
    await vm?.stop();
    await rm(runDir, { recursive: true, force: true });
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LabError('BAD_ARGUMENT', 'Grading was cancelled.');
}

function buildFailure(diagnostics: Diagnostic[], log: string): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const shown = (errors.length ? errors : diagnostics).slice(0, 10).map(formatDiagnostic);
  return `kshram.c does not compile:\n${shown.join('\n') || lastLines(log, 15)}`;
}

function lastLines(text: string, n: number): string {
  return text.replace(/\r/g, '').trimEnd().split('\n').slice(-n).join('\n');
}

/** "$ command\noutput\n[exit 0, 0.1 s]" for evidence. */
function transcript(command: string, result: { status: number | null; output: string; elapsedMs: number; timedOut: boolean }): string {
  const status = result.timedOut ? 'timed out' : result.status === null ? 'no exit status' : `exit ${result.status}`;
  const output = result.output.trim() ? `${lastLines(result.output, EVIDENCE_LINES)}\n` : '';
  return `$ ${command}\n${output}[${status}, ${(result.elapsedMs / 1000).toFixed(1)} s]`;
}

function crashEvidence(crash: CrashReport): string {
  return `${describeCrash(crash)}\n--- kernel report ---\n${readableReport(crash)}`;
}

function itemSteps(session: GuestSession, kshramBuildError: string | undefined, notes: string[]): Record<number, () => Promise<ItemOutcome>> {
  const vm = session.vm;
  const log: string[] = [];

  /** Runs a command for the current item and records it; ends the run on crash, exit or deadline. */
  const sh = async (command: string, timeoutMs = MODULE_COMMAND_TIMEOUT_MS) => {
    const outcome = await session.exec(command, timeoutMs);
    return expectDone(outcome, command);
  };
  const expectDone = (outcome: StepOutcome, command: string) => {
    switch (outcome.kind) {
      case 'done':
        log.push(transcript(command, outcome.result));
        return outcome.result;
      case 'crash':
        throw new RunEnded(`${log.join('\n')}\n$ ${command}\n${crashEvidence(outcome.crash)}`.trimStart());
      case 'exit':
        throw new RunEnded(`${log.join('\n')}\n$ ${command}\nQEMU exited unexpectedly (status ${outcome.exit.exitCode}): the guest reset or powered off.\n--- console (last lines) ---\n${vm.consoleTail(CONSOLE_TAIL_LINES)}`.trimStart());
      case 'deadline':
        throw new RunEnded(`${log.join('\n')}\n$ ${command}\nThe time limit ran out (boot included).\n--- console (last lines) ---\n${vm.consoleTail(CONSOLE_TAIL_LINES)}`.trimStart());
    }
  };
  /** Evidence of the item so far, plus the kernel log's tail when it failed. */
  const finish = async (pass: boolean, summary: string): Promise<ItemOutcome> => {
    if (!pass) {
      const dmesg = await session.exec('dmesg | tail -n 15', PROBE_TIMEOUT_MS);
      if (dmesg.kind === 'done') log.push(`--- dmesg (last lines) ---\n${dmesg.result.output.trimEnd()}`);
    }
    const evidence = `${summary}\n${log.join('\n')}`;
    log.length = 0;
    return { pass, evidence };
  };

  const loadKshram = async (): Promise<ItemOutcome | undefined> => {
    const insmod = await sh(`insmod ${GUEST_MODULE_DIR}/kshram.ko`);
    if (insmod.status !== 0) return finish(false, `insmod kshram.ko failed (exit ${insmod.status})`);
    const devices = await sh('for f in /dev/kshram*; do [ -e "$f" ] || continue; [ -c "$f" ] && echo "char $f" || echo "not-char $f"; done');
    const found = devices.output.split('\n').map((l) => l.trim()).filter(Boolean);
    const expected = Array.from({ length: 8 }, (_, i) => `char /dev/kshram${i}`);
    const missing = expected.filter((e) => !found.includes(e));
    const extra = found.filter((f) => !expected.includes(f));
    if (missing.length || extra.length) {
      const parts = [missing.length ? `missing ${missing.map((m) => m.slice(5)).join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''].filter(Boolean);
      return finish(false, `/dev/kshram0..7 are not all there as character devices: ${parts.join('; ')}`);
    }
    return undefined;
  };

  const unload = async (which: string): Promise<ItemOutcome> => {
    const rmmod = await sh('rmmod kshram');
    if (rmmod.status !== 0) return finish(false, `rmmod kshram failed (exit ${rmmod.status}): the module did not unload`);
    const alive = await sh('grep -c "^kshram " /proc/modules; ls /dev | grep -c "^kshram"; [ -e /proc/kshram ] && echo proc-left || true', PROBE_TIMEOUT_MS);
    const [loaded, devices] = alive.output.split('\n').map((l) => Number(l.trim()));
    if (loaded) return finish(false, 'rmmod kshram returned 0 but the module is still loaded');
    if (devices) notes.push(`${which}: ${devices} /dev/kshram* node(s) left after unload (device_destroy missing?)`);
    if (alive.output.includes('proc-left')) notes.push(`${which}: /proc/kshram left after unload (remove_proc_entry missing?)`);
    return finish(true, 'kshram unloaded; the system is still running');
  };

  const check = async (name: (typeof CHECK_PROGRAMS)[number]): Promise<{ pass: boolean; reason: string; output: string }> => {
    const result = await sh(name, CHECK_TIMEOUT_MS);
    const verdict = judgeRun(name, result, CHECK_TIMEOUT_MS);
    return { ...verdict, output: result.output };
  };

  return {
    1: async () => {
      const outcome = await session.boot(BOOT_TIMEOUT_MS);
      if (outcome.kind === 'done' && outcome.result.status === 0) {
        const seconds = ((Date.now() - vm.started) / 1000).toFixed(1);
        return { pass: true, evidence: `Linux ${outcome.result.output || ''} booted to its shell in ${seconds} s (${vm.accel.toUpperCase()})`.replace('  ', ' ') };
      }
      if (outcome.kind === 'done') {
        return { pass: false, evidence: `The guest did not come up within ${BOOT_TIMEOUT_MS / 1000} s.\n--- console (last lines) ---\n${vm.consoleTail(CONSOLE_TAIL_LINES)}` };
      }
      expectDone(outcome, '(boot)');
      throw new Error('unreachable');
    },
    2: async () => {
      const insmod = await sh(`insmod ${GUEST_MODULE_DIR}/hello.ko`);
      if (insmod.status !== 0) return finish(false, `insmod hello.ko failed (exit ${insmod.status})`);
      const listed = await sh('grep "^hello " /proc/modules');
      return finish(listed.status === 0, listed.status === 0 ? 'hello.ko loaded' : 'insmod returned 0 but hello is not in /proc/modules');
    },
    3: async () => {
      if (kshramBuildError) return { pass: false, evidence: kshramBuildError };
      const failed = await loadKshram();
      if (failed) return failed;
      const proc = await sh('cat /proc/kshram', PROBE_TIMEOUT_MS);
      const lines = proc.output.trim().split('\n');
      const wellFormed = proc.status === 0 && lines.length === 8 && lines.every((l, i) => l.trim() === `${String(i).padStart(2, '0')}: 4096`);
      if (!wellFormed) notes.push(`item 3: /proc/kshram does not list 8 slots of 4096 ("00: 4096" ... "07: 4096") right after loading`);
      return finish(true, '/dev/kshram0..7 created');
    },
    4: () => unload('unload test #1'),
    5: async () => {
      const failed = await loadKshram();
      if (failed) return failed;
      const first = await check('check_msg');
      if (!first.pass) return finish(false, first.reason);
      const second = await check('check_msg');
      if (!second.pass) return finish(false, `second run: ${second.reason}`);
      const a = parseCheckMsg(first.output);
      const b = parseCheckMsg(second.output);
      if (a.wrote !== undefined && b.read !== undefined && a.wrote !== b.read) {
        return finish(false, `the message did not persist: the first run wrote "${a.wrote}", the second read "${b.read}"`);
      }
      if (a.read !== undefined && a.read !== '') notes.push(`item 5: slot 0 was not empty after a fresh load (read "${a.read.slice(0, 40)}"); kzalloc zeroes it`);
      return finish(true, a.wrote !== undefined ? 'check_msg passed twice; the message persisted between runs' : 'check_msg passed twice');
    },
    6: async () => {
      const result = await check('check_resize');
      return finish(result.pass, result.reason);
    },
    7: async () => {
      const result = await check('check_fork');
      return finish(result.pass, result.reason);
    },
    8: () => unload('unload test #2'),
  };
}
