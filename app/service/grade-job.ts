import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../boot/environment.js';
import { LabError, toErrorData, type LabErrorCode } from '../errors.js';
import { gradeSubmission, type GradeListener } from '../grade/runner.js';
import { prepareSubmission } from '../submissions/index.js';
import type { GradeJobData, GradeJobResult } from './queue.js';

/**
 * Errors that are the submission's (a verdict: stored as its result, never
 * retried); anything else is the worker's (no kit, QEMU missing, a bug) and
 * is thrown, so the queue retries the job, on another worker if need be.
 */
const SUBMISSION_ERRORS: ReadonlySet<LabErrorCode> = new Set(['SUBMISSION_INVALID', 'MODULE_INVALID', 'MODULE_WRONG_KERNEL', 'WORKSPACE_INVALID', 'BUILD_FAILED']);
/** Said in a .ko's report: where its lines come from. */
export const PREBUILT_NOTE = 'graded the uploaded kshram.ko as it was built: there is no source here, so a crash is shown as function+offset, with file:line only where the module carries debug info';

export interface GradeJobOptions {
  environment: Environment;
  signal: AbortSignal;
  listener: GradeListener;
}

/**
 * Grades one submission on this worker exactly as `kshram-lab grade` does
 * (sandboxed build, its own QEMU, the course's limits), in a private
 * folder removed afterwards. A .ko is booted as it is; sources are
 * unpacked (safely) and built.
 */
export async function runGradeJob(data: GradeJobData, options: GradeJobOptions): Promise<GradeJobResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kshram-job-'));
  try {
    const file = join(dir, data.fileName);
    await writeFile(file, Buffer.from(data.blob, 'base64'));
    const common = { environment: options.environment, signal: options.signal, listener: options.listener };
    let report;
    if (data.kind === 'ko') {
      const workspace = join(dir, 'workspace');
      report = await gradeSubmission(workspace, { ...common, prebuiltKo: file });
      report.notes.unshift(PREBUILT_NOTE);
    } else {
      const submission = await prepareSubmission(file, join(dir, 'workspace'));
      report = await gradeSubmission(submission.workspaceDir, common);
      report.notes.unshift(...submission.notes);
    }
    // the worker's private folder means nothing to the student: the file they sent does
    report.submission = data.fileName;
    return { report };
  } catch (err) {
    if (err instanceof LabError && SUBMISSION_ERRORS.has(err.code)) return { error: toErrorData(err) };
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
