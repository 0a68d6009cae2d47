import { Worker, WaitingError, type Job } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolveEnvironment, type Environment } from '../boot/environment.js';
import { LabError, type LabErrorCode, type LabErrorData } from '../errors.js';
import { toGradeItem } from '../session/convert.js';
import { runGradeJob } from './grade-job.js';
import { LivePublisher } from './live.js';
import { GRADE_QUEUE_SETTINGS, HEARTBEAT_MS, WORKER_RECORD_TTL_SECONDS, type WorkerRecord } from "./worker-record.js";
import { connectRedis, type RedisTarget } from './redis.js';
import { QUEUE_NAME, WORKERS_KEY, workerKey, type GradeJobData, type GradeJobResult } from './queue.js';

/**
 * The longest a grade may run before the worker gives up on it: the course's
 * 120 s, a debug kit's 360 s, builds and decoding all fit well inside.
 * Past it the grade is stopped and recorded as not graded.
 */
const JOB_TIME_LIMIT_MS = 15 * 60 * 1000;
/**
 * This machine cannot grade at all (no kit, no QEMU, no compiler or
 * sandbox): the job goes back to the queue untouched for a worker that
 * can, and this worker stops, rather than fail every student's submission
 * in turn with its own problem.
 */
const BROKEN_WORKER: ReadonlySet<LabErrorCode> = new Set(['KIT_MISSING', 'KIT_CORRUPT', 'QEMU_MISSING', 'TOOLCHAIN_MISSING', 'DOCKER_UNAVAILABLE']);

export interface GradeWorkerOptions {
  redis: RedisTarget;
  /** Grades at once (one QEMU each). */
  jobs: number;
  /** Lines worth a log: each job's start and end. */
  log?: (line: string) => void;
  /** This machine cannot grade (BROKEN_WORKER): the worker has stopped; say why and exit. */
  onBroken?: (error: LabErrorData) => void;
}

export interface GradeWorker {
  id: string;
  /**
   * Stops taking jobs; grades still running are stopped and go back to the
   * queue as they were (not as a failed attempt) for another worker.
   */
  close(): Promise<void>;
}

interface Running {
  abort: AbortController;
  job: Job<GradeJobData, GradeJobResult>;
  token?: string;
}

/**
 * `kshram-lab worker`, and each worker `serve --workers N` starts: takes
 * grade jobs from the queue, grades each as the CLI does, streams its
 * progress back through Redis and returns the report as the job's result.
 * A worker that dies mid-grade loses nothing: its lock lapses and the job
 * is retried by another (queue.ts: LOCK_DURATION_MS, MAX_STALLED_COUNT).
 */
export async function startGradeWorker(options: GradeWorkerOptions): Promise<GradeWorker> {
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const log = options.log ?? (() => undefined);
  const publisher = connectRedis(options.redis, `kshram-worker-live-${id}`);
  await publisher.connect();
  const environments = new Map<string, Promise<Environment>>();
  const environmentFor = (kit: string): Promise<Environment> => {
    let environment = environments.get(kit);
    if (!environment) {
      environment = resolveEnvironment({ kit });
      // a missing kit is reported on every job until it is installed, not cached as missing
      environment.catch(() => environments.delete(kit));
      environments.set(kit, environment);
    }
    return environment;
  };
  const running = new Map<string, Running>();
  const record: WorkerRecord = { id, host: hostname(), pid: process.pid, jobs: options.jobs, startedAt: Date.now(), lastSeenAt: Date.now(), gradesDone: 0, running: [] };
  let closing = false;
  let stopped: Promise<void> | undefined;

  const heartbeat = async (): Promise<void> => {
    record.lastSeenAt = Date.now();
    record.running = [...running.keys()];
    await publisher
      .multi()
      .set(workerKey(id), JSON.stringify(record), 'EX', WORKER_RECORD_TTL_SECONDS)
      .zadd(WORKERS_KEY, record.lastSeenAt, id)
      .exec()
      .catch(() => undefined);
  };

  const processor = async (job: Job<GradeJobData, GradeJobResult>, token?: string): Promise<GradeJobResult> => {
    const data = job.data;
    const abort = new AbortController();
    running.set(data.submission, { abort, job, token });
    void heartbeat();
    const live = new LivePublisher(publisher, data.submission);
    await live.reset();
    const limit = setTimeout(() => abort.abort(), JOB_TIME_LIMIT_MS);
    const started = Date.now();
    log(`grading ${data.submission} (${data.student}, ${data.fileName}) attempt ${job.attemptsStarted}`);
    try {
      const environment = await environmentFor(data.kit);
      let vmStartedAt: number | undefined;
      const result = await runGradeJob(data, {
        environment,
        signal: abort.signal,
        listener: {
          onStage: (stage, detail) => {
            if (stage === 'boot') vmStartedAt = Date.now();
            live.emit({ name: 'grade.stage', payload: { stage, detail, ...(vmStartedAt ? { vmStartedAt } : {}) } });
          },
          onItemStart: (item) => live.emit({ name: 'grade.itemStart', payload: { id: item } }),
          onItemEnd: (item) => live.emit({ name: 'grade.itemEnd', payload: { item: { ...toGradeItem(item), ...(item.summary !== undefined ? { summary: item.summary } : {}) } } }),
          onConsoleData: (text) => live.console(text),
        },
      });
      record.gradesDone += 1;
      log(`graded ${data.submission}: ${'report' in result ? `${result.report.total}/${result.report.max}` : `error ${result.error.code}`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (err) {
      if (err instanceof LabError && BROKEN_WORKER.has(err.code) && !closing) {
        log(`this worker cannot grade: ${err.message}`);
        await job.moveToWait(token);
        void stop().then(() => options.onBroken?.(err.toJSON()));
        throw new WaitingError();
      }
      if (closing && abort.signal.aborted) {
        // stopped by our own shutdown: back to the queue as it was, for another worker
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (abort.signal.aborted) {
        return { error: { code: 'INTERNAL', message: `Grading ${data.fileName} took more than ${JOB_TIME_LIMIT_MS / 60_000} minutes and was stopped.`, suggestion: 'This is a bug in kshram lab (a grade ends at its time limit); please report it with the submission.' } };
      }
      log(`job ${data.submission} failed on this worker: ${(err as Error).message}`);
      throw err;
    } finally {
      clearTimeout(limit);
      running.delete(data.submission);
      await live.close();
      void heartbeat();
    }
  };

  const beat = setInterval(() => void heartbeat(), HEARTBEAT_MS);
  const worker = new Worker<GradeJobData, GradeJobResult>(QUEUE_NAME, processor, {
    connection: { ...options.redis.options, maxRetriesPerRequest: null },
    name: id,
    concurrency: options.jobs,
    ...GRADE_QUEUE_SETTINGS,
  });
  // connection trouble is retried by BullMQ; an unhandled 'error' would end the process
  worker.on('error', (err) => log(`queue connection: ${err.message}`));
  await worker.waitUntilReady();
  await heartbeat();

  function stop(): Promise<void> {
    stopped ??= (async () => {
      closing = true;
      clearInterval(beat);
      for (const { abort } of running.values()) abort.abort();
      await worker.close();
      await publisher.multi().del(workerKey(id)).zrem(WORKERS_KEY, id).exec().catch(() => undefined);
      await publisher.quit().catch(() => undefined);
    })();
    return stopped;
  }
  return { id, close: stop };
}
