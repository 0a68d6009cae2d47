import type { JobsOptions } from 'bullmq';
import type { LabErrorData } from '../errors.js';
import type { GradeReport } from '../grade/runner.js';
import type { SubmissionKind } from './contract.js';

/** The BullMQ queue every service and worker of one course shares. */
export const QUEUE_NAME = 'kshram-grades';
/** Redis keys of our own beside BullMQ's: live streams, worker heartbeats. */
export const KEY_PREFIX = 'kshram';
export const liveStreamKey = (submission: string): string => `${KEY_PREFIX}:live:${submission}`;
/** One pub/sub channel for every live event; the service filters by submission. */
export const LIVE_CHANNEL = `${KEY_PREFIX}:live`;
/** Workers: a sorted set of ids by last heartbeat, and a hash per worker. */
export const WORKERS_KEY = `${KEY_PREFIX}:workers`;
export const workerKey = (id: string): string => `${KEY_PREFIX}:worker:${id}`;

/**
 * Times a job may fail by throwing (an environment problem on the worker:
 * a kit or QEMU missing) before it is given up; a grade's verdict, good or
 * bad, is a result, never a failure.
 */
export const JOB_ATTEMPTS = 3;
/** Between those attempts: long enough for another worker to take it. */
const RETRY_DELAY_MS = 5_000;
/**
 * A worker renews its lock on a job this often / 2 while its event loop
 * runs; a worker killed mid-grade stops renewing, and after this the job
 * counts as stalled and goes back to the queue for another worker.
 */
export const LOCK_DURATION_MS = 20_000;
/** How often workers look for stalled jobs: with the lock, a dead worker's job is retried within ~30 s. */
export const STALLED_INTERVAL_MS = 10_000;
/**
 * Times a job may stall (its worker died) and be retried. A job whose
 * grade takes its worker down every time is failed after this many
 * retries, with the reason (WORKER_LOST), not retried forever.
 */
export const MAX_STALLED_COUNT = 2;
/** Finished jobs stay in Redis this long (the service reads their results from there after a restart). */
const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;
/**
 * BullMQ's priorities: 1 is first. A student's n-th waiting submission gets
 * n, so everyone's first goes before anyone's second (round robin); regrades
 * come after all of them.
 */
export const REGRADE_PRIORITY = 1_000;
/** BullMQ's largest priority. */
export const MAX_PRIORITY = 2_097_151;

/** What a job carries: the submission itself (its bytes, size-capped at upload) and the kit to grade on. */
export interface GradeJobData {
  submission: string;
  student: string;
  /** As uploaded, cleaned to a safe file name. */
  fileName: string;
  kind: SubmissionKind;
  sha256: string;
  kit: string;
  /** The file, base64. */
  blob: string;
}

/** What a job returns: the report `grade --json` prints, or why the submission could not be graded. */
export type GradeJobResult = { report: GradeReport } | { error: LabErrorData };

export function jobOptions(submission: string, priority: number): JobsOptions {
  return {
    // the submission id: a submission is in the queue at most once, however often it is added
    jobId: submission,
    priority: Math.min(Math.max(1, priority), MAX_PRIORITY),
    attempts: JOB_ATTEMPTS,
    backoff: { type: 'fixed', delay: RETRY_DELAY_MS },
    removeOnComplete: { age: KEEP_FINISHED_SECONDS },
    removeOnFail: { age: KEEP_FINISHED_SECONDS },
  };
}
