import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabErrorData } from '../errors.js';
import type { ClassRow, GradeReportJson, Role, ServiceError, SubmissionKind, SubmissionState, SubmissionVia, SubmissionView } from './contract.js';

/** The service's durable record, in its data folder. SQLite is the source of truth; Redis only carries work. */
export const DATABASE_FILE = 'service.sqlite';
/** Another process (`token add` while the service runs) may hold the write lock for a moment. */
const BUSY_TIMEOUT_MS = 5_000;
/** Random bytes of a submission id: 16 characters of [a-z0-9] (see SUBMISSION_ID). */
const ID_CHARS = 16;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (
  student TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('student', 'ta')),
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  student TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  kind TEXT NOT NULL,
  via TEXT NOT NULL,
  regrade_of TEXT,
  kit TEXT NOT NULL,
  priority INTEGER NOT NULL,
  submitted_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'graded', 'error')),
  worker TEXT,
  total INTEGER,
  max INTEGER NOT NULL,
  first_failure TEXT,
  error TEXT,
  result TEXT
);
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (student, seq);
CREATE INDEX IF NOT EXISTS submissions_by_state ON submissions (state, priority, seq);
`;

interface SubmissionRow {
  seq: number;
  id: string;
  student: string;
  file_name: string;
  sha256: string;
  size: number;
  kind: SubmissionKind;
  via: SubmissionVia;
  regrade_of: string | null;
  kit: string;
  priority: number;
  submitted_at: number;
  started_at: number | null;
  finished_at: number | null;
  state: SubmissionState;
  worker: string | null;
  total: number | null;
  max: number;
  first_failure: string | null;
  error: string | null;
  result: string | null;
}

export interface NewSubmission {
  student: string;
  fileName: string;
  sha256: string;
  size: number;
  kind: SubmissionKind;
  via: SubmissionVia;
  regradeOf?: string;
  kit: string;
  priority: number;
  max: number;
}

/** What the queue needs to (re-)enqueue a submission. */
export interface QueuedSubmission {
  id: string;
  student: string;
  fileName: string;
  sha256: string;
  kind: SubmissionKind;
  kit: string;
  priority: number;
}

export interface TokenRecord {
  student: string;
  role: Role;
  createdAt: number;
}

/**
 * Submissions (file name, sha256), results (the exact `grade --json`
 * object), tokens (their sha256 only) in one SQLite file. Every state
 * change is one statement guarded by the state it leaves, so a result is
 * written once however many times a worker reports it.
 */
export class Store {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dataDir, DATABASE_FILE), { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    // a submission acknowledged to a student must survive a power cut, not only a crash
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------ tokens

  putToken(student: string, role: Role, hash: string): void {
    this.db.prepare('INSERT INTO tokens (student, role, hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (student) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at').run(student, role, hash, Date.now());
  }

  tokenOwner(hash: string): TokenRecord | undefined {
    const row = this.db.prepare<unknown[], { student: string; role: Role; created_at: number }>('SELECT student, role, created_at FROM tokens WHERE hash = ?').get(hash);
    return row && { student: row.student, role: row.role, createdAt: row.created_at };
  }

  listTokens(): TokenRecord[] {
    return this.db
      .prepare<unknown[], { student: string; role: Role; created_at: number }>('SELECT student, role, created_at FROM tokens ORDER BY role DESC, student')
      .all()
      .map((row) => ({ student: row.student, role: row.role, createdAt: row.created_at }));
  }

  revokeToken(student: string): boolean {
    return this.db.prepare('DELETE FROM tokens WHERE student = ?').run(student).changes > 0;
  }

  // ------------------------------------------------------------ submissions

  addSubmission(submission: NewSubmission): SubmissionView {
    const id = newSubmissionId();
    this.db
      .prepare(
        `INSERT INTO submissions (id, student, file_name, sha256, size, kind, via, regrade_of, kit, priority, submitted_at, state, max)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
      )
      .run(id, submission.student, submission.fileName, submission.sha256, submission.size, submission.kind, submission.via, submission.regradeOf ?? null, submission.kit, submission.priority, Date.now(), submission.max);
    return this.view(id)!;
  }

  private row(id: string): SubmissionRow | undefined {
    return this.db.prepare<unknown[], SubmissionRow>('SELECT * FROM submissions WHERE id = ?').get(id);
  }

  view(id: string): SubmissionView | undefined {
    const row = this.row(id);
    return row && toView(row);
  }

  result(id: string): GradeReportJson | undefined {
    const row = this.row(id);
    return row?.result ? (JSON.parse(row.result) as GradeReportJson) : undefined;
  }

  /** The same file from the same student, still waiting or running: a double submit. */
  pendingDuplicate(student: string, sha256: string): SubmissionView | undefined {
    const row = this.db.prepare<unknown[], SubmissionRow>("SELECT * FROM submissions WHERE student = ? AND sha256 = ? AND via != 'regrade' AND state IN ('queued', 'running') ORDER BY seq DESC LIMIT 1").get(student, sha256);
    return row && toView(row);
  }

  /** A student's submissions, newest first. */
  history(student: string): SubmissionView[] {
    return this.db.prepare<unknown[], SubmissionRow>('SELECT * FROM submissions WHERE student = ? ORDER BY seq DESC').all(student).map(toView);
  }

  /** Submissions of `student` made since `since` (epoch ms): the rate limit's count; regrades do not count. */
  countSince(student: string, since: number): { count: number; oldest?: number } {
    const row = this.db.prepare<unknown[], { count: number; oldest: number | null }>("SELECT COUNT(*) AS count, MIN(submitted_at) AS oldest FROM submissions WHERE student = ? AND submitted_at >= ? AND via != 'regrade'").get(student, since)!;
    return { count: row.count, ...(row.oldest !== null ? { oldest: row.oldest } : {}) };
  }

  /** How many of `student`'s submissions wait (the fairness priority of their next one). */
  waitingCount(student: string): number {
    return this.db.prepare<unknown[], { count: number }>("SELECT COUNT(*) AS count FROM submissions WHERE student = ? AND state = 'queued'").get(student)!.count;
  }

  /** Submissions without a result, oldest first: what the queue must hold. */
  unfinished(): Array<QueuedSubmission & { state: SubmissionState }> {
    return this.db
      .prepare<unknown[], SubmissionRow>("SELECT * FROM submissions WHERE state IN ('queued', 'running') ORDER BY seq")
      .all()
      .map((row) => ({ id: row.id, student: row.student, fileName: row.file_name, sha256: row.sha256, kind: row.kind, kit: row.kit, priority: row.priority, state: row.state }));
  }

  /** Waiting submissions in the order workers take them (priority, then arrival): index + 1 is the position. */
  waitingOrder(): Array<{ id: string; student: string }> {
    return this.db.prepare<unknown[], { id: string; student: string }>("SELECT id, student FROM submissions WHERE state = 'queued' ORDER BY priority, seq").all();
  }

  markRunning(id: string, worker: string | undefined): boolean {
    return this.db.prepare("UPDATE submissions SET state = 'running', started_at = ?, worker = ? WHERE id = ? AND state IN ('queued', 'running')").run(Date.now(), worker ?? null, id).changes > 0;
  }

  /** Back to waiting (a worker died; the queue gives it to another). */
  markQueued(id: string): boolean {
    return this.db.prepare("UPDATE submissions SET state = 'queued', started_at = NULL, worker = NULL WHERE id = ? AND state = 'running'").run(id).changes > 0;
  }

  /** Stores the result; false when it has one already (a second report of the same grade changes nothing). */
  finishGraded(id: string, report: GradeReportJson): boolean {
    const failed = report.items.find((item) => item.status === 'fail');
    const firstFailure = failed ? { id: failed.id, title: failed.title, summary: failed.summary ?? failed.evidence.split('\n')[0] ?? '' } : undefined;
    return (
      this.db
        .prepare("UPDATE submissions SET state = 'graded', finished_at = ?, total = ?, first_failure = ?, result = ? WHERE id = ? AND state IN ('queued', 'running')")
        .run(Date.now(), report.total, firstFailure ? JSON.stringify(firstFailure) : null, JSON.stringify(report), id).changes > 0
    );
  }

  /** Stores why it could not be graded; false when it was finished already. */
  finishError(id: string, error: LabErrorData): boolean {
    return this.db.prepare("UPDATE submissions SET state = 'error', finished_at = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')").run(Date.now(), JSON.stringify(error), id).changes > 0;
  }

  /** Each student's latest submission that is not a regrade in progress' source: what a regrade of everyone takes. */
  latestPerStudent(): SubmissionView[] {
    return this.db.prepare<unknown[], SubmissionRow>('SELECT s.* FROM submissions s JOIN (SELECT student, MAX(seq) AS seq FROM submissions GROUP BY student) l ON s.seq = l.seq ORDER BY s.student').all().map(toView);
  }

  students(): string[] {
    return this.db.prepare<unknown[], { student: string }>('SELECT DISTINCT student FROM submissions ORDER BY student').all().map((row) => row.student);
  }

  classRow(student: string): ClassRow {
    const stats = this.db.prepare<unknown[], { submissions: number; best: number | null; last: number | null }>('SELECT COUNT(*) AS submissions, MAX(total) AS best, MAX(submitted_at) AS last FROM submissions WHERE student = ?').get(student)!;
    const latest = this.db.prepare<unknown[], SubmissionRow>('SELECT * FROM submissions WHERE student = ? ORDER BY seq DESC LIMIT 1').get(student);
    const latestView = latest && toView(latest);
    const failure = latestView?.firstFailure ? `${latestView.firstFailure.id}: ${latestView.firstFailure.summary}` : latestView?.error ? `error: ${latestView.error.message}` : undefined;
    return {
      student,
      submissions: stats.submissions,
      ...(stats.best !== null ? { best: stats.best } : {}),
      ...(latestView?.total !== undefined ? { latest: latestView.total } : {}),
      ...(latestView ? { latestId: latestView.id, latestState: latestView.state } : {}),
      ...(stats.last !== null ? { lastSubmittedAt: stats.last } : {}),
      ...(failure ? { firstFailure: failure } : {}),
    };
  }

  classRows(): ClassRow[] {
    return this.students().map((student) => this.classRow(student));
  }

  counts(): Record<SubmissionState, number> {
    const counts: Record<SubmissionState, number> = { queued: 0, running: 0, graded: 0, error: 0 };
    for (const row of this.db.prepare<unknown[], { state: SubmissionState; n: number }>('SELECT state, COUNT(*) AS n FROM submissions GROUP BY state').all()) counts[row.state] = row.n;
    return counts;
  }
}

function toView(row: SubmissionRow): SubmissionView {
  return {
    id: row.id,
    student: row.student,
    fileName: row.file_name,
    sha256: row.sha256,
    size: row.size,
    kind: row.kind,
    via: row.via,
    ...(row.regrade_of ? { regradeOf: row.regrade_of } : {}),
    kit: row.kit,
    submittedAt: row.submitted_at,
    ...(row.started_at !== null ? { startedAt: row.started_at } : {}),
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    state: row.state,
    ...(row.total !== null ? { total: row.total } : {}),
    max: row.max,
    ...(row.first_failure ? { firstFailure: JSON.parse(row.first_failure) as SubmissionView['firstFailure'] } : {}),
    ...(row.error ? { error: JSON.parse(row.error) as ServiceError } : {}),
  };
}

function newSubmissionId(): string {
  const bytes = randomBytes(ID_CHARS);
  let id = '';
  // 36 symbols from a byte: the slight bias toward the first 4 does not matter for an id
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}
