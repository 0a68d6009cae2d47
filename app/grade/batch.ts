import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuestPrograms } from '../build/programs.js';
import { LabError, toErrorData, type LabErrorData } from '../errors.js';
import { prepareSubmission, submissionName, type SubmissionKind } from '../submissions/index.js';
import type { Accel } from '../vm/accel.js';
import { cancelledError } from '../boot/boot-guest.js';
import { resolveEnvironment } from '../boot/environment.js';
import { defaultTimeLimitMs } from '../checked/checked.js';
import { validateChecksDir } from './checks-dir.js';
import { DEFAULT_TIME_LIMIT_MS, type ItemResult } from './checklist.js';
import { MAX_POINTS } from './items/table.js';
import { gradeSubmission, type GradeOptions, type GradeReport } from './runner.js';
import { safeStrings, safeText } from '../untrusted-text.js';

/** Where one submission is in its grade, for a live table. */
export type BatchPhase = 'queued' | 'unpacking' | 'building' | 'booting' | 'running' | 'graded' | 'error';

export interface BatchProgress {
  phase: BatchPhase;
  /** The checklist item running (phase 'running'). */
  item?: number;
  /** Points so far / at the end. */
  points: number;
  startedAt?: number;
}

export interface BatchListener {
  onProgress?(index: number, student: string, progress: BatchProgress): void;
  onEntry?(index: number, entry: BatchEntry): void;
}

export interface BatchOptions extends Omit<GradeOptions, 'listener'> {
  /** VMs graded at once; the number of CPU cores by default. */
  jobs?: number;
  listener?: BatchListener;
}

/** One row of the batch: a graded submission or the reason it could not be graded. */
export interface BatchEntry {
  student: string;
  /** The path as given on the command line. */
  input: string;
  kind?: SubmissionKind;
  status: 'graded' | 'error';
  total: number;
  max: number;
  /** Unpacking, builds, boot and items. */
  elapsedMs: number;
  /** Files taken from the submission. */
  files: string[];
  /** What unpacking skipped (links, special files). */
  submissionNotes: string[];
  report?: GradeReport;
  error?: LabErrorData;
}

export interface BatchResult {
  generatedAt: string;
  kit: string;
  kernelRelease: string;
  accel: Accel;
  toolchain: string;
  checks: 'builtin' | 'custom';
  jobs: number;
  timeLimitMs: number;
  elapsedMs: number;
  entries: BatchEntry[];
}

/**
 * Grades many submissions, `jobs` VMs at a time. A submission that cannot
 * be unpacked or built gets an error row; only a broken environment (no
 * kit, no QEMU, no compiler) stops the batch, and it does so before any VM
 * starts.
 */
export async function gradeBatch(inputs: readonly string[], options: BatchOptions = {}): Promise<BatchResult> {
  if (!inputs.length) throw new LabError('BAD_ARGUMENT', 'No submissions to grade.', 'Name folders, .c files or .tar.gz/.zip archives: kshram-lab grade sub1 sub2 ...');
  const started = Date.now();
  const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
  // everything shared is checked and built once, before the first VM
  if (options.checksDir) await validateChecksDir(options.checksDir);
  const environment = await resolveEnvironment(options);
  const { kit, toolchain, accel } = environment;
  const timeLimitMs = options.timeLimitMs ?? defaultTimeLimitMs(kit, DEFAULT_TIME_LIMIT_MS);
  await buildGuestPrograms(toolchain, options.checksDir);

  // a folder or archive name is the student's choice: escapes in it never reach a terminal or a report
  const students = uniqueNames(inputs.map((input) => safeText(submissionName(input))));
  const entries = new Array<BatchEntry>(inputs.length);
  const root = await mkdtemp(join(tmpdir(), 'kshram-batch-'));
  const listener = options.listener ?? {};
  let next = 0;

  const gradeOne = async (index: number): Promise<BatchEntry> => {
    const input = inputs[index]!;
    const student = students[index]!;
    const begun = Date.now();
    const progress: BatchProgress = { phase: 'unpacking', points: 0, startedAt: begun };
    const report = (change: Partial<BatchProgress>): void => {
      Object.assign(progress, change);
      listener.onProgress?.(index, student, { ...progress });
    };
    const base = { student, input: safeText(input), max: MAX_POINTS, files: [] as string[], submissionNotes: [] as string[] };
    report({});
    try {
      if (options.signal?.aborted) throw cancelledError('Grading');
      const submission = await prepareSubmission(input, join(root, String(index)));
      const graded = await gradeSubmission(submission.workspaceDir, {
        ...options,
        environment,
        listener: {
          onStage: (stage) => stage !== 'done' && report({ phase: stage === 'build' ? 'building' : stage === 'boot' ? 'booting' : 'running' }),
          onItemStart: (item) => report({ phase: 'running', item }),
          onItemEnd: (item: ItemResult) => report({ points: progress.points + item.points }),
        },
      });
      report({ phase: 'graded', item: undefined, points: graded.total });
      return safeStrings<BatchEntry>({ ...base, kind: submission.kind, status: 'graded', total: graded.total, elapsedMs: Date.now() - begun, files: submission.files, submissionNotes: submission.notes, report: graded });
    } catch (err) {
      report({ phase: 'error', item: undefined, points: 0 });
      return safeStrings<BatchEntry>({ ...base, status: 'error', total: 0, elapsedMs: Date.now() - begun, error: toErrorData(err) });
    } finally {
      await rm(join(root, String(index)), { recursive: true, force: true });
    }
  };

  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      entries[index] = await gradeOne(index);
      listener.onEntry?.(index, entries[index]);
    }
  };
  try {
    students.forEach((student, index) => listener.onProgress?.(index, student, { phase: 'queued', points: 0 }));
    await Promise.all(Array.from({ length: Math.min(jobs, inputs.length) }, worker));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return {
    generatedAt: new Date().toISOString(),
    kit: kit.name,
    kernelRelease: kit.kernelRelease,
    accel: accel.accel,
    toolchain: toolchain.name,
    checks: options.checksDir ? 'custom' : 'builtin',
    jobs,
    timeLimitMs,
    elapsedMs: Date.now() - started,
    entries,
  };
}

/** "alice", "alice (2)": every row gets a name of its own. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}
