import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError, ChecklistEntry, GradeClock, GradeItem, GradeProgress, GradeResult } from '../../../app/api';
import './grade.css';

/**
 * What the pane draws of a grade: the workbench's GradeProgress, or a
 * course-service run (its result is `grade --json`'s object, which has
 * these fields too).
 */
export interface GradeView extends Omit<GradeProgress, 'result' | 'error'> {
  result?: Pick<GradeResult, 'total' | 'max' | 'vmElapsedMs' | 'kit' | 'kernelRelease' | 'accel' | 'notes'>;
  error?: Pick<ApiError, 'message' | 'suggestion'>;
}

interface Props {
  checklist: ChecklistEntry[];
  timeLimitMs: number;
  grade?: GradeView;
  /** The code changed since this grade: its score is for an earlier version. */
  stale?: boolean;
  /** Says whose grade this is, beside the pane's title (the course service's, in the workbench and the pages). */
  badge?: ReactNode;
  /** Shown between the score and the checklist: where a submission waits, its crash, links. */
  children?: ReactNode;
  /** A finished run's failed items show their evidence without a click. */
  openFailed?: boolean;
  /** What the header says before any grade. */
  idleDetail?: string;
  /** Makes `kshram.c:189` in the evidence and notes a link (the workbench opens its editor there). */
  onOpenSource?(file: string, line: number): void;
}

/** When this page received the clock it shows (its own monotonic time): the clock runs on from there. */
function useClockReceipt(clock: GradeClock | undefined): number {
  const seen = useRef<{ clock?: GradeClock; at: number }>({ at: 0 });
  if (seen.current.clock !== clock) seen.current = { clock, at: performance.now() };
  return seen.current.at;
}

/** The limit used now: the engine's count when it was sent, plus what this page's monotonic clock has measured since. */
function clockElapsed(clock: GradeClock, receivedAt: number): number {
  return clock.running ? clock.elapsedMs + Math.max(0, performance.now() - receivedAt) : clock.elapsedMs;
}

/** The student's files by line, as the grader writes them ("kshram.c:189"). */
const SOURCE_REF = /\b(kshram\.[ch]):(\d+)\b/g;

/** Text with each `kshram.c:189` a button that opens the file at the line. */
function withSourceLinks(text: string, open: (file: string, line: number) => void): ReactNode {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(SOURCE_REF)) {
    const [ref, file, line] = match;
    parts.push(text.slice(last, match.index));
    parts.push(
      <button key={match.index} className="link-button source-link" data-testid="evidence-link" onClick={() => open(file!, Number(line))} title={`Open ${file} at line ${line}`}>
        {ref}
      </button>,
    );
    last = match.index + ref.length;
  }
  parts.push(text.slice(last));
  return parts;
}

type Shown = 'pending' | 'running' | GradeItem['status'];
const ICON: Record<Shown, string> = { pending: '○', running: '◌', pass: '✔', fail: '✘', 'not-run': '–' };
/** The clock redraws this often while a grade runs. */
const TICK_MS = 100;

/**
 * The lab's eight items, ticking as the grader runs them, with points,
 * time and evidence. Props only: the workbench feeds it its own grades, the
 * course service's pages and the workbench's Submit feed it the service's.
 */
export function GradePane({ checklist, timeLimitMs, grade, stale, badge, children, openFailed, idleDetail = 'one cold boot, items in order, like the course server', onOpenSource }: Props) {
  const text = (t: string): ReactNode => (onOpenSource ? withSourceLinks(t, onOpenSource) : t);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!grade?.running) return;
    const timer = window.setInterval(() => tick((n) => n + 1), TICK_MS);
    return () => window.clearInterval(timer);
  }, [grade?.running]);
  const clockAt = useClockReceipt(grade?.clock);

  const result = grade?.result;
  const elapsedMs = grade?.clock ? clockElapsed(grade.clock, clockAt) : result ? result.vmElapsedMs : grade?.vmStartedAt ? Math.max(0, Date.now() - grade.vmStartedAt) : 0;
  const total = grade?.items.reduce((sum, i) => sum + i.points, 0) ?? 0;
  const max = checklist.reduce((sum, i) => sum + i.max, 0);

  return (
    <section className="panel grade-panel" data-testid="grade-panel">
      <header className="panel-head">
        <h2>Grade</h2>
        {badge}
        <span className="dim small">{grade?.running ? (grade.stageDetail ?? 'starting') : result ? `${result.kit} · Linux ${result.kernelRelease} · ${result.accel.toUpperCase()}` : idleDetail}</span>
      </header>
      <div className="grade-summary">
        <div className={`grade-total${result ? (result.total === result.max ? ' full' : ' partial') : ''}${stale ? ' stale' : ''}`} data-testid="grade-total" title={stale ? 'the score of your code as it was when you graded' : undefined}>
          {grade ? total : <span className="dim">0</span>}
          <span className="grade-max">/{max}</span>
        </div>
        <div className="grade-clock">
          <div className="dim small" data-testid="grade-clock">
            {grade?.clock || grade?.vmStartedAt || result ? `${(elapsedMs / 1000).toFixed(1)} s of ${timeLimitMs / 1000} s` : `time limit ${timeLimitMs / 1000} s, boot included`}
          </div>
          <div className="time-bar" role="progressbar" aria-label="time used of the limit" aria-valuemin={0} aria-valuemax={timeLimitMs / 1000} aria-valuenow={Math.round(elapsedMs / 1000)}>
            <div style={{ width: `${Math.min(100, (elapsedMs / timeLimitMs) * 100)}%` }} />
          </div>
        </div>
      </div>
      {stale && (
        <div className="inline-notice stale" data-testid="grade-stale">
          Your code changed since this grade: the score is for the earlier version. Grade again to score it as it is now.
        </div>
      )}
      {grade?.error && (
        <div className="inline-notice error" data-testid="grade-error">
          {grade.error.message}
          {grade.error.suggestion && <div className="suggestion">{grade.error.suggestion}</div>}
        </div>
      )}
      {children}
      <ol className="checklist">
        {checklist.map((entry) => {
          const item = grade?.items.find((i) => i.id === entry.id);
          const shown: Shown = item ? item.status : grade?.runningItem === entry.id ? 'running' : 'pending';
          return (
            <li key={entry.id} className={`check-item ${shown}`} data-testid="check-item" data-status={shown}>
              <details open={openFailed && shown === 'fail' && !grade?.running ? true : undefined}>
                <summary>
                  <span className={`check-icon ${shown}`} aria-label={shown}>
                    {ICON[shown]}
                  </span>
                  <span className="check-title">
                    {entry.id}. {entry.title}
                  </span>
                  <span className="check-points">{item ? `${item.points}/${item.max}` : `–/${entry.max}`}</span>
                  <span className="check-time dim">{item?.elapsedMs !== undefined ? `${(item.elapsedMs / 1000).toFixed(1)} s` : ''}</span>
                </summary>
                <pre className="evidence">{item?.evidence ? text(item.evidence) : shown === 'running' ? 'running…' : 'no evidence yet'}</pre>
              </details>
            </li>
          );
        })}
      </ol>
      {result && result.notes.length > 0 && (
        <ul className="grade-notes" data-testid="grade-notes">
          {result.notes.map((n) => (
            <li key={n}>{text(n)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
