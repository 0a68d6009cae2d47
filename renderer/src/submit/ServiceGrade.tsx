import { useState, type ReactNode } from 'react';
import type { ChecklistEntry } from '../../../app/api';
import { GradePane } from '../../shared/grade/GradePane';
import { Xterm } from '../../shared/terminal/Xterm';
import type { ServiceRun } from './useServiceRun';

interface Props {
  checklist: ChecklistEntry[];
  timeLimitMs: number;
  service: ServiceRun;
  /** The Local/Service switch, in the pane's title row. */
  switcher: ReactNode;
  onSettings(): void;
}

const when = (ms: number): string => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * The course service's run in the workbench's Grade pane: the same pane,
 * marked as the service's; where the submission waits, a link to its page
 * on the service, its console, and the history one click away.
 */
export function ServiceGrade({ checklist, timeLimitMs, service, switcher, onSettings }: Props) {
  const [showHistory, setShowHistory] = useState(false);
  const { run, settings, error } = service;
  const s = run?.submission;
  const link = s && settings?.url ? `${settings.url}/s/${s.id}` : undefined;
  const toggleHistory = (): void => {
    if (!showHistory) void service.refreshHistory();
    setShowHistory(!showHistory);
  };
  return (
    <GradePane checklist={checklist} timeLimitMs={timeLimitMs} grade={run?.grade} badge={switcher} openFailed idleDetail={settings?.url ? `Submit sends your module to ${settings.url}` : 'no course service set up'}>
      <div className="service-bar small" data-testid="service-bar">
        <span className="service-mark" data-testid="service-mark">
          {settings?.url ? `graded by the course service at ${settings.url.replace(/^https?:\/\//, '')}${settings.student ? ` as ${settings.student}` : ''}` : 'the course service’s grade'}
        </span>
        <span className="fill" />
        <button className="link-button" onClick={toggleHistory} aria-expanded={showHistory} data-testid="service-history-button">
          History
        </button>
        <button className="link-button" onClick={onSettings}>
          Settings
        </button>
      </div>
      {!settings?.url && (
        <div className="inline-notice" data-testid="submit-needs">
          Submit needs your course’s grading service: its address and your token (from your TA).{' '}
          <button className="link-button" onClick={onSettings}>
            Set them up
          </button>
        </div>
      )}
      {error && (
        <div className="inline-notice error" role="alert" data-testid="submit-error">
          {error.message}
          {error.suggestion && <div className="suggestion">{error.suggestion}</div>}
        </div>
      )}
      {s?.state === 'queued' && (
        <div className="inline-notice" data-testid="service-queue" aria-live="polite">
          {run?.grade.stageDetail}
        </div>
      )}
      {s && (
        <div className="service-submission small" data-testid="service-submission">
          {s.fileName} · {when(s.submittedAt)} ·{' '}
          {link ? (
            <a href={link} target="_blank" rel="noopener noreferrer" data-testid="service-link">
              open on the service ↗
            </a>
          ) : null}
        </div>
      )}
      {showHistory && (
        <div className="service-history" data-testid="service-history">
          {!service.history ? (
            <div className="dim">Loading…</div>
          ) : service.history.length === 0 ? (
            <div className="dim">No submissions yet.</div>
          ) : (
            <ul>
              {service.history.map((h) => (
                <li key={h.id}>
                  <button className={`history-entry${h.id === s?.id ? ' current' : ''}`} onClick={() => void service.open(h.id)} data-testid="service-history-entry">
                    <span className="dim">{when(h.submittedAt)}</span> {h.fileName}{' '}
                    <b className={h.total === undefined ? '' : h.total === h.max ? 'ok-text' : 'warning-text'}>{h.state === 'graded' ? `${h.total}/${h.max}` : h.state === 'error' ? 'not graded' : h.state}</b>
                    {h.firstFailure && <span className="dim"> · first failed: {h.firstFailure.id}. {h.firstFailure.title}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {s && (
        <details className="service-console">
          <summary className="small">Guest console of this run {service.consoleSeen ? '' : <span className="dim">(nothing yet)</span>}</summary>
          <div className="service-console-body">
            <Xterm key={s.id} connect={service.connectConsole} className="console-host" testId="service-console" label="the guest console of the service's run, read-only" />
          </div>
        </details>
      )}
    </GradePane>
  );
}
