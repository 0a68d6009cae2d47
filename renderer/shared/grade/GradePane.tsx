import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError, ChecklistEntry, GradeItem, GradeProgress, GradeResult } from '../../../app/api';
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
export function GradePane({ checklist, timeLimitMs, grade, stale, badge, children, openFailed, idleDetail = 'one cold boot, items in order, like the course server' }: Props) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!grade?.running) return;
    const timer = window.setInterval(() => setNow(Date.now()), TICK_MS);
    return () => window.clearInterval(timer);
  }, [grade?.running]);

  const result = grade?.result;
  const elapsedMs = result ? result.vmElapsedMs : grade?.vmStartedAt ? Math.max(0, now - grade.vmStartedAt) : 0;
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
            {grade?.vmStartedAt || result ? `${(elapsedMs / 1000).toFixed(1)} s of ${timeLimitMs / 1000} s` : `time limit ${timeLimitMs / 1000} s, boot included`}
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
                <pre className="evidence">{item?.evidence || (shown === 'running' ? 'running…' : 'no evidence yet')}</pre>
              </details>
            </li>
          );
        })}
      </ol>
      {result && result.notes.length > 0 && (
        <ul className="grade-notes" data-testid="grade-notes">
          {result.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
