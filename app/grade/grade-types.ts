/** What a grade is given (GradeOptions, a GradeListener) and what it gives back (GradeReport). */
import type { Environment } from '../boot/environment.js';
import type { CompatReport } from '../build/compat.js';
import type { Diagnostic } from '../build/diagnostics.js';
import type { ToolchainPreference } from '../build/select.js';
import type { CheckedResult } from '../checked/grade.js';
import type { CrashLocation } from '../symbols/decode-crash.js';
import type { Accel, AccelPreference } from '../vm/accel.js';
import type { CrashKind } from '../vm/crash.js';
import type { ItemResult } from './checklist.js';

/** Between "your code: kshram.c:183 ..." and the kernel's report in a crashed item's summary. */
export const YOUR_CODE_SEPARATOR = '—';

export interface GradeListener {
  onStage?(stage: 'build' | 'boot' | 'items' | 'done', detail: string): void;
  /** The grading VM started (again, after a boot failure): the time limit counts from `startedAt` (epoch ms). */
  onVmStarted?(startedAt: number): void;
  /** The items are done: the grade's time, as the report's vmElapsedMs says it (the extra checks come after). */
  onItemsDone?(vmElapsedMs: number): void;
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
  /** Boot the kernel instead of restoring the pristine guest snapshot (--cold-boot). */
  coldBoot?: boolean;
  signal?: AbortSignal;
  listener?: GradeListener;
  /** Kit, toolchain and accelerator resolved already (a batch resolves them once); else from kit/accel/toolchain. */
  environment?: Environment;
  /** Grade this kshram.ko as it was built (a course-service upload) instead of building the workspace's kshram.c. */
  prebuiltKo?: string;
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
  /**
   * How the graded guest started: restored from the pristine snapshot of a
   * cold boot, or booted cold (and why). Item 1's time is that start's.
   */
  boot: { start: 'snapshot' | 'cold'; coldBecause?: string };
}
