/**
 * The course service's API (`kshram-lab serve`): every HTTP route with its
 * request and response types, the live-run WebSocket's messages, and the
 * errors. The student and TA pages, `kshram-lab submit` and the service
 * itself are written against this file. Like app/api/contract.ts it imports
 * nothing but zod and types, so the pages can read it without Node.
 *
 * Auth: every route but `info` needs `Authorization: Bearer TOKEN` (a token
 * from `kshram-lab token add`); the WebSocket gets the token in its first
 * message, never in a URL (URLs land in logs). TA routes need a token made
 * with `token add --ta`. Requests for another Host than the service's (on
 * loopback: DNS rebinding) or from another Origin are refused, as in web mode.
 */
import { z } from 'zod';
import type { EventPayloads, ApiDiagnostic, ChecklistEntry, GradeItem } from '../api/contract.js';
import type { LabErrorCode } from '../errors.js';

// ---------------------------------------------------------------- limits

/** The largest upload: a kshram.ko with its debug info is ~0.5 MB, an archive of sources far less. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Student and TA names: what a roster holds (a login, a student number, an e-mail address). */
export const STUDENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
/** Submission ids: random, URL-safe, unguessable enough that a link is not an enumeration. */
export const SUBMISSION_ID = /^[a-z0-9]{16}$/;
/** File names a submission may have; anything else is refused before it is stored. */
export const ACCEPTED_SUFFIXES = ['.ko', '.c', '.tar.gz', '.tgz', '.tar', '.zip'] as const;

// ---------------------------------------------------------------- paths

/** Every HTTP route: method and path (`:id` is a submission id). */
export const SERVICE_ROUTES = {
  /** Public: what the service grades on and what it accepts (the sign-in page shows it). */
  info: { method: 'GET', path: '/api/info' },
  /** Who the token belongs to. */
  me: { method: 'GET', path: '/api/me' },
  /** multipart/form-data with one file field named `file` (its file name counts: .ko, .c, .tar.gz, .zip). */
  submit: { method: 'POST', path: '/api/submissions' },
  /** The caller's submissions, newest first; a TA may ask for any student's (?student=NAME). */
  history: { method: 'GET', path: '/api/submissions' },
  /** One submission with its result (the exact `grade --json` object) once graded. */
  submission: { method: 'GET', path: '/api/submissions/:id' },
  /** The uploaded file itself, as it was received. */
  file: { method: 'GET', path: '/api/submissions/:id/file' },
  /** TA: one row per student. */
  classRows: { method: 'GET', path: '/api/class' },
  /** TA: results.csv of `grade --report` (CSV_COLUMNS), one row per student (their latest submission). */
  classCsv: { method: 'GET', path: '/api/class.csv' },
  /** TA: the queue and the workers. */
  queue: { method: 'GET', path: '/api/queue' },
  /** TA: grade again (one student's latest, or everyone's), queued at low priority. */
  regrade: { method: 'POST', path: '/api/regrade' },
  /** Public: the queue's size, for an autoscaler (deploy/k8s scales workers on `backlog`). */
  metrics: { method: 'GET', path: '/api/metrics' },
} as const;

export type RouteName = keyof typeof SERVICE_ROUTES;

/** The live-run WebSocket (same host and port as the API). */
export const LIVE_PATH = '/api/live';
/** The student page (the second renderer entry's index.html). */
export const STUDENT_PAGE_PATH = '/';
/** The TA dashboard (ta.html of the same build when it has one, else its index.html). */
export const TA_PAGE_PATH = '/ta';
/** A submission's permanent link: the student page opens it (owner or TA). */
export const submissionPagePath = (id: string): string => `/s/${id}`;
/** Where `npm run build` puts the pages (served at / and /ta). */
export const PAGES_BUILD_DIR = 'out/service';

// ---------------------------------------------------------------- errors

/** Codes the service adds to the engine's (LabErrorCode has them all; listed here for the pages). */
export type ServiceErrorCode = Extract<
  LabErrorCode,
  'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'RATE_LIMITED' | 'TOO_LARGE' | 'MODULE_INVALID' | 'MODULE_WRONG_KERNEL' | 'SUBMISSION_INVALID' | 'QUEUE_UNAVAILABLE' | 'WORKER_LOST'
>;

/**
 * Every refusal and failure, on every route and on the WebSocket: a stable
 * code, a message in words a student understands, what to do next. HTTP
 * errors have the status of ERROR_STATUS and the body `{ error }`.
 */
export interface ServiceError {
  code: LabErrorCode;
  message: string;
  suggestion?: string;
}

export interface ErrorBody {
  error: ServiceError;
}

/** The HTTP status of each code the service answers with (others: 400 for bad input, 500 for INTERNAL). */
export const ERROR_STATUS: Partial<Record<LabErrorCode, number>> = {
  BAD_ARGUMENT: 400,
  SUBMISSION_INVALID: 422,
  MODULE_INVALID: 422,
  MODULE_WRONG_KERNEL: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  QUEUE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

// ---------------------------------------------------------------- data shapes

export type Role = 'student' | 'ta';

export interface Me {
  /** The name the token was made for. */
  student: string;
  role: Role;
}

export interface ServiceInfo {
  version: string;
  /** The kit every submission is graded on, and its kernel (a .ko must be built for exactly this). */
  kit: string;
  kernelRelease: string;
  /** The module's vermagic a .ko must carry ("6.1.0-56-amd64 SMP preempt mod_unload modversions"). */
  vermagic: string;
  checklist: ChecklistEntry[];
  timeLimitMs: number;
  maxUploadBytes: number;
  acceptedSuffixes: readonly string[];
  /** Per student: at most `submissions` within `windowMs`. */
  rateLimit: { submissions: number; windowMs: number };
  /** The nc front's port, when it listens. */
  ncPort?: number;
}

/** What was uploaded: a built module, or sources the worker builds as `grade` does. */
export type SubmissionKind = 'ko' | 'c' | 'tar' | 'zip';
/** How it arrived. */
export type SubmissionVia = 'http' | 'nc' | 'regrade';
/**
 * queued: waiting for a worker; running: a worker grades it; graded: it has
 * a result (any score); error: it could not be graded (bad archive, .ko for
 * another kernel, a grade that killed its workers), with the reason.
 */
export type SubmissionState = 'queued' | 'running' | 'graded' | 'error';

/** A submission as the history and the live run show it. */
export interface SubmissionView {
  id: string;
  student: string;
  /** As uploaded (the nc front: kshram.ko). */
  fileName: string;
  sha256: string;
  size: number;
  kind: SubmissionKind;
  via: SubmissionVia;
  /** A regrade: the submission it grades again (same file). */
  regradeOf?: string;
  kit: string;
  /** Epoch ms. */
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  state: SubmissionState;
  /** While queued: 1 = next to be graded. */
  position?: number;
  /** Once graded. */
  total?: number;
  max: number;
  /** The first item that failed, once graded below full marks. */
  firstFailure?: { id: number; title: string; summary: string };
  /** Why it could not be graded (state error). */
  error?: ServiceError;
}

/** One submission with its result. */
export interface SubmissionDetail extends SubmissionView {
  /** The exact object `kshram-lab grade --json` prints (state graded). */
  result?: GradeReportJson;
}

export interface SubmitResponse {
  submission: SubmissionView;
  /**
   * The same file was already waiting or running for this student (a
   * double click, a retried upload): this is that submission, not a new one.
   */
  duplicate: boolean;
}

export interface RegradeRequest {
  /** One student's latest submission; absent: every student's latest. */
  student?: string;
}

export interface RegradeResponse {
  queued: SubmissionView[];
}

/** One row of the TA dashboard. */
export interface ClassRow {
  student: string;
  submissions: number;
  best?: number;
  latest?: number;
  latestId?: string;
  latestState?: SubmissionState;
  /** Epoch ms. */
  lastSubmittedAt?: number;
  /** As results.csv's first_failure: "5: check_msg exited with status 1: ...". */
  firstFailure?: string;
}

export interface WorkerState {
  id: string;
  host: string;
  pid: number;
  /** Grades it runs at once (--jobs). */
  jobs: number;
  /** It reported within the last heartbeat window. */
  alive: boolean;
  startedAt: number;
  lastSeenAt: number;
  gradesDone: number;
  /** Submission ids it grades now. */
  running: string[];
}

/** Counts only: what an autoscaler needs, nothing about anyone. */
export interface ServiceMetrics {
  waiting: number;
  running: number;
  /** waiting + running: the workers that would be busy now. */
  backlog: number;
  workersAlive: number;
}

export interface QueueState {
  waiting: number;
  running: number;
  /** Submissions waiting, per student (fairness at a glance). */
  waitingByStudent: Record<string, number>;
  workers: WorkerState[];
}

// ---------------------------------------------------------------- the grade report

/** A source place in a crash report (decoded from the .ko that ran). */
export interface SourceSiteJson {
  function: string;
  file?: string;
  line?: number;
  source?: string;
  /** In the student's own sources. */
  own: boolean;
}

export interface CrashFrameJson extends SourceSiteJson {
  /** As the kernel printed it: "kshram_mmap+0x24/0xd0". */
  symbol: string;
  offset: number;
  module?: string;
  exact: boolean;
  inlinedFrom: SourceSiteJson[];
}

/** A graded item: the workbench's GradeItem plus its one-line summary. */
export interface GradeItemJson extends GradeItem {
  summary?: string;
}

/**
 * `kshram-lab grade --json`'s object (app/grade/runner.ts GradeReport), as
 * far as the pages read it; app/service/report-type.ts proves at compile
 * time that the engine's report has this shape.
 */
export interface GradeReportJson {
  /** The uploaded file's name. */
  submission: string;
  total: number;
  max: number;
  elapsedMs: number;
  vmElapsedMs: number;
  timeLimitMs: number;
  kit: string;
  kernelRelease: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  toolchain: string;
  checks: 'builtin' | 'custom';
  items: GradeItemJson[];
  notes: string[];
  build: { ok: boolean; elapsedMs: number; diagnostics: ApiDiagnostic[] };
  /** The crash that ended the run, decoded to the student's line when the .ko has debug info. */
  crash?: {
    kind: string;
    item: number;
    summary: string;
    task?: string;
    yourCode?: SourceSiteJson;
    excerpt?: { file: string; line: number; firstLine: number; lines: string[] };
    frames: CrashFrameJson[];
    decodeProblems?: string[];
  };
}

// ---------------------------------------------------------------- request schemas

const studentName = z.string().regex(STUDENT_NAME, 'not a student name (letters, digits, . _ @ + -; at most 64)');
const submissionId = z.string().regex(SUBMISSION_ID, 'not a submission id');

/** Query and body schemas of the routes that take any; the service validates with exactly these. */
export const REQUEST_SCHEMAS = {
  history: z.object({ student: studentName.optional() }).strict(),
  submission: z.object({ id: submissionId }).strict(),
  regrade: z.object({ student: studentName.optional() }).strict(),
} as const;

/** What each route answers (the body of a 2xx response). */
export interface RouteResponses {
  info: ServiceInfo;
  me: Me;
  submit: SubmitResponse;
  history: SubmissionView[];
  submission: SubmissionDetail;
  /** The file's bytes (application/octet-stream, Content-Disposition with its name). */
  file: ArrayBuffer;
  classRows: ClassRow[];
  /** text/csv. */
  classCsv: string;
  queue: QueueState;
  regrade: RegradeResponse;
  metrics: ServiceMetrics;
}

// ---------------------------------------------------------------- the live run (WebSocket)

/** What happens to one submission, in order; a viewer that joins late gets them all again first (replay). */
export type LiveEvent =
  /** Its state changed (queued with a new position, running, graded, error). */
  | { name: 'submission.state'; payload: SubmissionView }
  /**
   * The same payloads as the workbench's grade events (app/api/contract.ts).
   * A stage `build` after items were shown starts the run over (its worker
   * died and another grades it again): clear the checklist and the console.
   */
  | { name: 'grade.stage'; payload: EventPayloads['grade.stage'] }
  | { name: 'grade.itemStart'; payload: EventPayloads['grade.itemStart'] }
  | { name: 'grade.itemEnd'; payload: { item: GradeItemJson } }
  /** The guest's console, as it printed it (\r\n line ends). */
  | { name: 'console.data'; payload: EventPayloads['console.data'] }
  /** The end: the stored result, or why there is none. */
  | { name: 'grade.done'; payload: { result?: GradeReportJson; error?: ServiceError } };

export type LiveEventName = LiveEvent['name'];

/** Client to server. The first message must be `auth` (within LIVE_AUTH_TIMEOUT_MS), else the socket closes with CLOSE_UNAUTHORIZED. */
export const LiveClientMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('auth'), token: z.string().min(1).max(256) }).strict(),
  /** Follow one submission (own, or any for a TA): its events so far, then live. */
  z.object({ t: z.literal('watch'), submission: submissionId }).strict(),
  z.object({ t: z.literal('unwatch'), submission: submissionId }).strict(),
  /** TA: class rows and the queue, live (`class` and `queue` messages). */
  z.object({ t: z.literal('watchClass') }).strict(),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessageSchema>;

/** Server to client. */
export type LiveServerMessage =
  | { t: 'ready'; me: Me }
  | { t: 'event'; submission: string; event: LiveEvent }
  /** A student's row changed (TA, after watchClass). */
  | { t: 'class'; row: ClassRow }
  /** The queue or the workers changed (TA, after watchClass). */
  | { t: 'queue'; queue: QueueState }
  /** A message was refused (bad watch, not yours); the socket stays open. */
  | { t: 'error'; error: ServiceError };

/** Close codes of the live socket. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** The service is shutting down; reconnect later. */
export const CLOSE_GOING_AWAY = 1001;
/** How long a new socket has to send its auth message. */
export const LIVE_AUTH_TIMEOUT_MS = 10_000;
/** A client message larger than this closes the socket (1009): none is more than a few hundred bytes. */
export const MAX_LIVE_MESSAGE_BYTES = 4 * 1024;
