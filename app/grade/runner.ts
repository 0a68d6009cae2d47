import { resolveEnvironment } from '../boot/environment.js';
import { LabError } from '../errors.js';
import { validateChecksDir } from './checks-dir.js';
import { GradeRun } from './grade-run.js';
import type { GradeOptions, GradeReport } from './grade-types.js';

export { YOUR_CODE_SEPARATOR, type GradeListener, type GradeOptions, type GradeReport } from './grade-types.js';

/**
 * Grades one submission the way the course's server does: one cold boot,
 * the eight items in order, a failed item stopping the rest, everything
 * within the time limit (boot included). QEMU is gone when this returns,
 * whatever happened.
 */
export async function gradeSubmission(workspaceDir: string, options: GradeOptions = {}): Promise<GradeReport> {
  const started = Date.now();
  await checkGradeOptions(options);
  const run = new GradeRun(options.environment ?? (await resolveEnvironment(options)), options);
  try {
    await run.boot(workspaceDir);
    await run.runItems();
    await run.addNotes();
    return run.report(workspaceDir, started);
  } finally {
    await run.dispose();
  }
}

/** Refuses what cannot be graded before anything is built. */
async function checkGradeOptions(options: GradeOptions): Promise<void> {
  if (options.timeLimitMs !== undefined && (!(options.timeLimitMs > 0) || !Number.isFinite(options.timeLimitMs))) {
    throw new LabError('BAD_ARGUMENT', `The time limit must be a positive number of seconds, not ${options.timeLimitMs / 1000}.`, 'Use e.g. --time-limit 120 (the course\'s limit).');
  }
  if (options.checksDir) await validateChecksDir(options.checksDir);
}
