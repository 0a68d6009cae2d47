import { Queue, QueueEvents, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helloModule } from '../build/hello-cache.js';
import { selectToolchain } from '../build/select.js';
import { defaultTimeLimitMs } from '../checked/checked.js';
import { LabError, toErrorData, type LabErrorData } from '../errors.js';
import type { Disposable } from '../events.js';
import { DEFAULT_TIME_LIMIT_MS } from '../grade/checklist.js';
import { CHECKLIST, MAX_POINTS } from '../grade/items/table.js';
import { DEFAULT_KIT, loadKit, type Kit } from '../kit/kit.js';
import { prepareSubmission } from '../submissions/index.js';
import { BlobStore } from './blobs.js';
import { sha256Of } from './blobs.js';
import { classCsv } from './class-csv.js';
import { ACCEPTED_SUFFIXES, MAX_UPLOAD_BYTES, type ClassRow, type LiveEvent, type Me, type QueueState, type ServiceInfo, type ServiceMetrics, type SubmissionDetail, type SubmissionVia, type SubmissionView } from './contract.js';
import { LiveHub } from './live.js';
import { checkModule, kitVermagic } from './module-check.js';
import { jobOptions, QUEUE_NAME, REGRADE_PRIORITY, type GradeJobData, type GradeJobResult } from './queue.js';
import { checkRedis, connectRedis, type RedisTarget } from './redis.js';
import { Store } from './store.js';
import { authenticate } from './tokens.js';
import { checkSize, classifyByContent, classifyByName, type Upload } from './upload.js';
import { readWorkers } from './worker-record.js';

/** Per student, by default: a deadline night's honest pace, not a script's. */
export const DEFAULT_RATE_LIMIT = { submissions: 20, windowMs: 60 * 60 * 1000 } as const;
/** Every so often the service checks SQLite against the queue: a lost event or a lost Redis loses nothing. */
const RECONCILE_INTERVAL_MS = 30_000;
/** Queue positions and the TA's queue view are recomputed at most this often. */
const QUEUE_VIEW_THROTTLE_MS = 300;
/** The failed reason BullMQ gives a job whose worker died more than MAX_STALLED_COUNT times. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/i;

export interface CourseServiceOptions {
  dataDir: string;
  redis: RedisTarget;
  kit?: string;
  rateLimit?: { submissions: number; windowMs: number };
  version: string;
  log?: (line: string) => void;
}

export interface SubmitRequest {
  /** The HTTP upload's file name; absent for the nc front (the content says what it is). */
  fileName?: string;
  data: Buffer;
  via: SubmissionVia;
}

export interface SubmitOutcome {
  submission: SubmissionView;
  /** The same file was already waiting or running for this student: that submission, not a new one. */
  duplicate: boolean;
}

export interface ClassListener {
  onRow(row: ClassRow): void;
  onQueue(queue: QueueState): void;
}

/**
 * The course service's core, shared by its fronts (HTTP, WebSocket, nc):
 * takes submissions, keeps the durable record in SQLite, hands the grading
 * to workers through the BullMQ queue, and turns their results and live
 * progress into what students and TAs see. It never runs a submission:
 * a .ko is only read inside the build sandbox, an archive only unpacked.
 */
export class CourseService {
  private readonly classListeners = new Set<ClassListener>();
  private readonly positions = new Map<string, number>();
  private queueViewTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private closed = false;
  ncPort?: number;

  private constructor(
    private readonly options: CourseServiceOptions,
    readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly queue: Queue<GradeJobData, GradeJobResult>,
    private readonly events: QueueEvents,
    private readonly hub: LiveHub,
    private readonly redis: Redis,
    readonly kit: Kit,
    readonly vermagic: string,
    readonly rateLimit: { submissions: number; windowMs: number },
  ) {}

  static async start(options: CourseServiceOptions): Promise<CourseService> {
    const kit = await loadKit(options.kit ?? DEFAULT_KIT);
    const toolchain = await selectToolchain(kit);
    const vermagic = await kitVermagic(await helloModule(kit, toolchain));
    const redis = await checkRedis(options.redis, 'kshram-service');
    const subscriber = connectRedis(options.redis, 'kshram-service-live');
    await subscriber.connect();
    const hub = await LiveHub.start(subscriber, redis);
    const connection = { ...options.redis.options, maxRetriesPerRequest: null };
    const queue = new Queue<GradeJobData, GradeJobResult>(QUEUE_NAME, { connection });
    queue.on('error', (err) => options.log?.(`queue: ${err.message}`));
    const events = new QueueEvents(QUEUE_NAME, { connection });
    events.on('error', (err) => options.log?.(`queue events: ${err.message}`));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const store = new Store(options.dataDir);
    const service = new CourseService(options, store, new BlobStore(options.dataDir), queue, events, hub, redis, kit, vermagic, options.rateLimit ?? DEFAULT_RATE_LIMIT);
    service.listen();
    await service.reconcile();
    service.reconcileTimer = setInterval(() => void service.reconcile(), RECONCILE_INTERVAL_MS);
    return service;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  info(): ServiceInfo {
    return {
      version: this.options.version,
      kit: this.kit.name,
      kernelRelease: this.kit.kernelRelease,
      vermagic: this.vermagic,
      checklist: CHECKLIST.map(({ id, title, max }) => ({ id, title, max })),
      timeLimitMs: defaultTimeLimitMs(this.kit, DEFAULT_TIME_LIMIT_MS),
      maxUploadBytes: MAX_UPLOAD_BYTES,
      acceptedSuffixes: ACCEPTED_SUFFIXES,
      rateLimit: this.rateLimit,
      ...(this.ncPort !== undefined ? { ncPort: this.ncPort } : {}),
    };
  }

  authenticate(token: string | undefined): Me | undefined {
    return authenticate(this.store, token);
  }

  // ------------------------------------------------------------ submitting

  /**
   * Checks an upload (size, kind, a .ko's architecture and kernel, an
   * archive's contents), stores it, and queues it. Refusals are LabErrors
   * a student can act on; nothing refused is stored.
   */
  async submit(me: Me, request: SubmitRequest): Promise<SubmitOutcome> {
    const label = request.fileName ?? 'The upload';
    checkSize(label, request.data.length);
    const upload = request.fileName !== undefined ? classifyByName(request.fileName) : classifyByContent(request.data);
    const sha256 = sha256Of(request.data);
    const duplicate = this.store.pendingDuplicate(me.student, sha256);
    if (duplicate) return { submission: this.withPosition(duplicate), duplicate: true };
    this.checkRateLimit(me.student);
    await this.checkContent(upload, request.data);
    await this.blobs.put(request.data);
    // the checks above took time: the same file may have been queued meanwhile (a double click)
    const raced = this.store.pendingDuplicate(me.student, sha256);
    if (raced) return { submission: this.withPosition(raced), duplicate: true };
    this.checkRateLimit(me.student);
    const submission = this.store.addSubmission({
      student: me.student,
      fileName: upload.fileName,
      sha256,
      size: request.data.length,
      kind: upload.kind,
      via: request.via,
      kit: this.kit.name,
      // the student's n-th waiting submission goes after everyone's (n-1)-th
      priority: 1 + this.store.waitingCount(me.student),
      max: MAX_POINTS,
    });
    this.log(`submission ${submission.id} from ${me.student}: ${upload.fileName} (${request.data.length} bytes, ${request.via})`);
    await this.enqueue(submission.id, request.data);
    this.changed(submission.id);
    return { submission: this.withPosition(this.store.view(submission.id)!), duplicate: false };
  }

  private checkRateLimit(student: string): void {
    const { submissions, windowMs } = this.rateLimit;
    const recent = this.store.countSince(student, Date.now() - windowMs);
    if (recent.count < submissions) return;
    const waitMs = Math.max(0, (recent.oldest ?? Date.now()) + windowMs - Date.now());
    throw new LabError('RATE_LIMITED', `You have submitted ${recent.count} times in the last ${duration(windowMs)}; the limit is ${submissions}.`, `Your next submission is accepted in ${duration(waitMs)}. Meanwhile, test with kshram-lab grade on your own machine.`);
  }

  /** A .ko: read (in the sandbox) for its architecture and kernel; an archive: unpacked once, safely, to find kshram.c. */
  private async checkContent(upload: Upload, data: Buffer): Promise<void> {
    if (upload.kind === 'ko') return checkModule(this.kit, this.vermagic, upload.fileName, data);
    const dir = await mkdtemp(join(tmpdir(), 'kshram-upload-'));
    try {
      const file = join(dir, upload.fileName);
      await writeFile(file, data);
      await prepareSubmission(file, join(dir, 'workspace'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Adds the job (its id is the submission's: adding twice is harmless); Redis down: reconcile adds it later. */
  private async enqueue(id: string, data?: Buffer): Promise<void> {
    const view = this.store.view(id);
    if (!view) return;
    try {
      const blob = data ?? (await this.blobs.get(view.sha256));
      const priority = view.via === 'regrade' ? REGRADE_PRIORITY : this.priorityOf(id);
      await this.queue.add('grade', { submission: id, student: view.student, fileName: view.fileName, kind: view.kind, sha256: view.sha256, kit: view.kit, blob: blob.toString('base64') }, jobOptions(id, priority));
    } catch (err) {
      this.log(`could not queue ${id} now (${(err as Error).message}); it is queued once Redis answers`);
    }
  }

  private priorityOf(id: string): number {
    const row = this.store.unfinished().find((s) => s.id === id);
    return row?.priority ?? 1;
  }

  /** TA: one student's latest submission, or everyone's, graded again after all waiting first grades. */
  async regrade(me: Me, student?: string): Promise<SubmissionView[]> {
    requireTa(me);
    const latest = this.store.latestPerStudent().filter((view) => student === undefined || view.student === student);
    if (student !== undefined && !latest.length) throw new LabError('NOT_FOUND', `${student} has no submissions.`, 'Pick a student from the class list.');
    const queued: SubmissionView[] = [];
    for (const view of latest) {
      const source = view.regradeOf ?? view.id;
      const submission = this.store.addSubmission({ student: view.student, fileName: view.fileName, sha256: view.sha256, size: view.size, kind: view.kind, via: 'regrade', regradeOf: source, kit: this.kit.name, priority: REGRADE_PRIORITY, max: MAX_POINTS });
      await this.enqueue(submission.id);
      this.changed(submission.id);
      queued.push(submission);
    }
    this.log(`regrade by ${me.student}: ${queued.length} submission(s)`);
    return queued;
  }

  // ------------------------------------------------------------ reading

  history(me: Me, student?: string): SubmissionView[] {
    const whose = student ?? me.student;
    if (whose !== me.student) requireTa(me);
    return this.store.history(whose).map((view) => this.withPosition(view));
  }

  detail(me: Me, id: string): SubmissionDetail {
    const view = this.visible(me, id);
    const result = this.store.result(id);
    return { ...this.withPosition(view), ...(result ? { result } : {}) };
  }

  async file(me: Me, id: string): Promise<{ fileName: string; data: Buffer }> {
    const view = this.visible(me, id);
    return { fileName: view.fileName, data: await this.blobs.get(view.sha256) };
  }

  classRows(me: Me): ClassRow[] {
    requireTa(me);
    return this.store.classRows();
  }

  classCsv(me: Me): string {
    requireTa(me);
    return classCsv(this.store.latestPerStudent().map((view) => ({ view, result: this.store.result(view.id) })));
  }

  async queueState(me: Me): Promise<QueueState> {
    requireTa(me);
    return this.readQueueState();
  }

  async metrics(): Promise<ServiceMetrics> {
    const counts = this.store.counts();
    const workers = await readWorkers(this.redis).catch(() => []);
    return { waiting: counts.queued, running: counts.running, backlog: counts.queued + counts.running, workersAlive: workers.filter((worker) => worker.alive).length };
  }

  private async readQueueState(): Promise<QueueState> {
    const waiting = this.store.waitingOrder();
    const waitingByStudent: Record<string, number> = {};
    for (const { student } of waiting) waitingByStudent[student] = (waitingByStudent[student] ?? 0) + 1;
    const workers = await readWorkers(this.redis).catch(() => []);
    return { waiting: waiting.length, running: this.store.counts().running, waitingByStudent, workers };
  }

  /** A submission the caller may see: their own, or any for a TA; else NOT_FOUND (never "exists but not yours"). */
  private visible(me: Me, id: string): SubmissionView {
    const view = this.store.view(id);
    if (!view || (view.student !== me.student && me.role !== 'ta')) throw new LabError('NOT_FOUND', `There is no submission ${id} of yours.`, 'Open it from your history.');
    return view;
  }

  private withPosition(view: SubmissionView): SubmissionView {
    if (view.state !== 'queued') return view;
    const index = this.store.waitingOrder().findIndex((row) => row.id === view.id);
    return index < 0 ? view : { ...view, position: index + 1 };
  }

  // ------------------------------------------------------------ live

  /** The submission's state now, its run so far (replayed), then live; ends with grade.done once it has a result. */
  async watch(me: Me, id: string, listener: (event: LiveEvent) => void): Promise<Disposable> {
    const view = this.visible(me, id);
    listener({ name: 'submission.state', payload: this.withPosition(view) });
    const watch = await this.hub.watch(id, listener);
    const now = this.store.view(id)!;
    if (now.state === 'graded' || now.state === 'error') listener(this.doneEvent(id));
    return watch;
  }

  watchClass(me: Me, listener: ClassListener): Disposable {
    requireTa(me);
    this.classListeners.add(listener);
    void this.readQueueState().then((queue) => listener.onQueue(queue));
    return { dispose: () => this.classListeners.delete(listener) };
  }

  private doneEvent(id: string): LiveEvent {
    const view = this.store.view(id)!;
    const result = this.store.result(id);
    return { name: 'grade.done', payload: { ...(result ? { result } : {}), ...(view.error ? { error: view.error } : {}) } };
  }

  /** A submission changed: its watchers, the class, everyone's queue positions. */
  private changed(id: string): void {
    const view = this.store.view(id);
    if (!view) return;
    this.hub.local(id, { name: 'submission.state', payload: this.withPosition(view) });
    if (view.state === 'queued') this.positions.set(id, this.withPosition(view).position ?? 0);
    const row = this.store.classRow(view.student);
    for (const listener of this.classListeners) listener.onRow(row);
    this.scheduleQueueView();
  }

  private scheduleQueueView(): void {
    this.queueViewTimer ??= setTimeout(() => {
      this.queueViewTimer = undefined;
      void this.refreshQueueView();
    }, QUEUE_VIEW_THROTTLE_MS);
  }

  /** Sends new positions to watchers of waiting submissions whose place moved, and the queue to TAs. */
  private async refreshQueueView(): Promise<void> {
    const order = this.store.waitingOrder();
    const waiting = new Set(order.map((row) => row.id));
    for (const id of this.positions.keys()) if (!waiting.has(id)) this.positions.delete(id);
    order.forEach((row, index) => {
      const position = index + 1;
      if (this.positions.get(row.id) === position) return;
      this.positions.set(row.id, position);
      if (this.hub.watching(row.id)) this.hub.local(row.id, { name: 'submission.state', payload: { ...this.store.view(row.id)!, position } });
    });
    if (!this.classListeners.size) return;
    const queue = await this.readQueueState();
    for (const listener of this.classListeners) listener.onQueue(queue);
  }

  // ------------------------------------------------------------ the queue's side

  private listen(): void {
    this.events.on('active', ({ jobId }) => void this.onActive(jobId));
    this.events.on('completed', ({ jobId, returnvalue }) => void this.onCompleted(jobId, returnvalue));
    this.events.on('failed', ({ jobId }) => void this.onFailed(jobId));
    // a dead worker's job (stalled) or one a closing worker put back: waiting again
    this.events.on('stalled', ({ jobId }) => this.onBackToWait(jobId));
    this.events.on('waiting', ({ jobId, prev }) => {
      if (prev === 'active') this.onBackToWait(jobId);
    });
  }

  private async onActive(id: string): Promise<void> {
    const job = await Job.fromId<GradeJobData, GradeJobResult>(this.queue, id).catch(() => undefined);
    if (this.store.markRunning(id, job?.processedBy)) this.changed(id);
  }

  private onBackToWait(id: string): void {
    if (this.store.markQueued(id)) this.changed(id);
  }

  private async onCompleted(id: string, returnvalue: unknown): Promise<void> {
    const parsed = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as GradeJobResult | null;
    if (!parsed) return;
    await this.finish(id, parsed);
  }

  private async onFailed(id: string): Promise<void> {
    const job = await Job.fromId<GradeJobData, GradeJobResult>(this.queue, id).catch(() => undefined);
    if (!job || (await job.getState()) !== 'failed') return;
    await this.finish(id, { error: failureOf(job) });
  }

  /** Stores a result (once: a second report of it changes nothing), then tells watchers and TAs. */
  private async finish(id: string, outcome: GradeJobResult): Promise<void> {
    const stored = 'report' in outcome ? this.store.finishGraded(id, outcome.report) : this.store.finishError(id, outcome.error);
    if (!stored) return;
    const view = this.store.view(id)!;
    this.log(`submission ${id} of ${view.student}: ${view.state === 'graded' ? `${view.total}/${view.max}` : `not graded: ${view.error?.message}`}`);
    // what the worker streamed before it returned reaches watchers before the end does
    await this.hub.drain(id).catch(() => undefined);
    this.changed(id);
    this.hub.local(id, this.doneEvent(id));
  }

  /**
   * SQLite against the queue: a finished job whose event was missed is
   * stored, a submission the queue does not hold (Redis lost, or it was
   * down at submit time) is queued again from its stored file.
   */
  reconcile(): Promise<void> {
    this.reconciling ??= (async () => {
      try {
        for (const submission of this.store.unfinished()) {
          if (this.closed) return;
          const job = await Job.fromId<GradeJobData, GradeJobResult>(this.queue, submission.id);
          if (!job) {
            this.log(`submission ${submission.id} is not in the queue: queued again`);
            if (submission.state === 'running') this.store.markQueued(submission.id);
            await this.enqueue(submission.id);
            this.changed(submission.id);
            continue;
          }
          const state = await job.getState();
          if (state === 'completed' && job.returnvalue) await this.finish(submission.id, job.returnvalue);
          else if (state === 'failed') await this.finish(submission.id, { error: failureOf(job) });
          else if (state === 'active' && submission.state === 'queued' && this.store.markRunning(submission.id, job.processedBy)) this.changed(submission.id);
          else if (state !== 'active' && submission.state === 'running' && this.store.markQueued(submission.id)) this.changed(submission.id);
        }
      } catch (err) {
        this.log(`reconcile: ${(err as Error).message}`);
      } finally {
        this.reconciling = undefined;
      }
    })();
    return this.reconciling;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reconcileTimer);
    clearTimeout(this.queueViewTimer);
    await this.reconciling;
    this.classListeners.clear();
    await Promise.allSettled([this.events.close(), this.queue.close(), this.hub.close()]);
    await this.redis.quit().catch(() => undefined);
    this.store.close();
  }
}

function requireTa(me: Me): void {
  if (me.role !== 'ta') throw new LabError('FORBIDDEN', 'Only a TA may do this.', 'Ask a TA, or use a token made with kshram-lab token add --ta.');
}

/** Why a job failed, in the contract's words. */
function failureOf(job: Job<GradeJobData, GradeJobResult>): LabErrorData {
  const reason = job.failedReason ?? 'unknown';
  if (STALLED_TOO_OFTEN.test(reason)) {
    return { code: 'WORKER_LOST', message: `Grading ${job.data.fileName} ended its worker each time it was tried (${job.stalledCounter} times); it is not tried again.`, suggestion: 'A TA can look at it (and regrade it once the cause is fixed).' };
  }
  return toErrorData(new LabError('INTERNAL', `The workers could not grade ${job.data.fileName} (${job.attemptsMade} attempts): ${reason}`, 'A TA can regrade it once the workers are fixed (kshram-lab worker prints why).'));
}

/** "4 min", "1 h 5 min", "30 s": a wait as a student reads it. */
function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
