import { useCallback, useEffect, useMemo, useState } from 'react';
import { serviceErrorOf } from '../../../../app/service/http-client';
import type { ClassRow, QueueState, ServiceError, SubmissionView } from '../../../../app/service/contract';
import { STUDENT_PAGE_PATH, submissionPagePath } from '../../../../app/service/contract';
import { ErrorNotice } from '../common/ErrorNotice';
import { when } from '../common/format';
import { Header } from '../common/Header';
import type { Signed } from '../common/SignedIn';
import { Compare } from '../student/Compare';
import { History } from '../student/History';
import { visibleRows, withRow, type Sort, type SortKey } from './classTable';
import { QueuePanel } from './QueuePanel';

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: 'student', label: 'Student' },
  { key: 'best', label: 'Best', numeric: true },
  { key: 'latest', label: 'Latest', numeric: true },
  { key: 'submissions', label: 'Submissions', numeric: true },
  { key: 'lastSubmittedAt', label: 'Last submission' },
  { key: 'firstFailure', label: 'First failing item (latest)' },
];

const STATE_WORDS = { queued: 'waiting', running: 'grading…' } as const;

/**
 * The TA dashboard: the class, one row per student, live as grades finish;
 * sort, filter, a student's history, results.csv, regrades; the queue and
 * its workers beside it.
 */
export function TaApp({ client, me, info, live, liveStatus, signOut }: Signed) {
  const [rows, setRows] = useState<ClassRow[]>();
  const [queue, setQueue] = useState<QueueState>();
  const [error, setError] = useState<ServiceError>();
  const [notice, setNotice] = useState<string>();
  const [filter, setFilter] = useState({ text: '', belowFull: false });
  const [sort, setSort] = useState<Sort>({ key: 'student', descending: false });
  const [student, setStudent] = useState<string>();
  const [history, setHistory] = useState<SubmissionView[]>();
  const [compare, setCompare] = useState<[string, string]>();
  const max = info.checklist.reduce((sum, c) => sum + c.max, 0);

  const load = useCallback(() => {
    Promise.all([client.classRows(), client.queue()]).then(
      ([r, q]) => {
        setRows(r);
        setQueue(q);
      },
      (err: unknown) => setError(serviceErrorOf(err)),
    );
  }, [client]);

  useEffect(() => {
    if (me.role !== 'ta') return;
    const off = live.onMessage((message) => {
      if (message.t === 'ready') load();
      else if (message.t === 'class') setRows((now) => withRow(now ?? [], message.row));
      else if (message.t === 'queue') setQueue(message.queue);
      else if (message.t === 'error') setError(message.error);
    });
    live.watchClass();
    load();
    return off;
  }, [live, load, me.role]);

  // the open history follows the student's live row
  const openRow = rows?.find((r) => r.student === student);
  useEffect(() => {
    if (!student) return setHistory(undefined);
    client.history(student).then(setHistory, (err: unknown) => setError(serviceErrorOf(err)));
  }, [client, student, openRow?.submissions, openRow?.latestState, openRow?.latest]);

  const shown = useMemo(() => (rows ? visibleRows(rows, filter, sort, max) : undefined), [rows, filter, sort, max]);

  const sortBy = (key: SortKey): void => setSort((now) => ({ key, descending: now.key === key ? !now.descending : key !== 'student' }));

  const exportCsv = (): void => {
    client.classCsv().then((csv) => {
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'results.csv';
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, (err: unknown) => setError(serviceErrorOf(err)));
  };

  const regrade = (who?: string): void => {
    const question = who ? `Grade ${who}'s latest submission again, at low priority?` : `Grade every student's latest submission again, at low priority? (${rows?.filter((r) => r.latestId).length ?? 0} submissions)`;
    if (!window.confirm(question)) return;
    // the last action's notice would read as this one's answer until it comes
    setNotice(undefined);
    client.regrade(who).then(
      ({ queued }) => setNotice(`Queued ${queued.length} regrade${queued.length === 1 ? '' : 's'} at low priority${who ? ` (${who})` : ''}.`),
      (err: unknown) => setError(serviceErrorOf(err)),
    );
  };

  const header = <Header me={me} live={liveStatus} title="class dashboard" links={<a href={STUDENT_PAGE_PATH}>Student page</a>} onSignOut={signOut} />;
  if (me.role !== 'ta') {
    return (
      <div className="page">
        {header}
        <main className="pad">
          <ErrorNotice error={{ code: 'FORBIDDEN', message: `${me.student}'s token is a student's; the class dashboard needs a TA token.`, suggestion: 'A TA token is made with kshram-lab token add --ta NAME. Your own submissions are on the student page.' }} />
        </main>
      </div>
    );
  }

  return (
    <div className="page ta-page">
      {header}
      <main className="ta-grid">
        <section className="class" aria-labelledby="class-title">
          <div className="section-head wrap">
            <h2 id="class-title">Class</h2>
            <span className="dim small" data-testid="class-count">
              {rows ? `${shown?.length ?? 0} of ${rows.length} students` : 'loading…'}
            </span>
            <div className="fill" />
            <label className="small">
              <span className="visually-hidden">Filter students</span>
              <input type="search" placeholder="filter students" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} data-testid="filter" />
            </label>
            <label className="toggle small">
              <input type="checkbox" checked={filter.belowFull} onChange={(e) => setFilter({ ...filter, belowFull: e.target.checked })} /> below {max} only
            </label>
            <button onClick={exportCsv} data-testid="export-csv" title="results.csv, the columns of kshram-lab grade --report: each student's latest submission">
              Export CSV
            </button>
            <button onClick={() => regrade()} data-testid="regrade-all" title="Grade every student's latest submission again (after a kit update), behind the students' own submissions">
              Regrade everyone
            </button>
          </div>
          {error && <ErrorNotice error={error} onDismiss={() => setError(undefined)} />}
          {notice && (
            <div className="notice info" role="status" data-testid="notice">
              <div className="notice-text">{notice}</div>
              <button className="icon-button" onClick={() => setNotice(undefined)} aria-label="dismiss">
                ✕
              </button>
            </div>
          )}
          <table className="table class-table" data-testid="class-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                    <button className="sort-button" onClick={() => sortBy(c.key)} data-testid={`sort-${c.key}`}>
                      {c.label}
                      <span className="sort-mark" aria-hidden="true">
                        {sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                      </span>
                    </button>
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown?.map((r) => (
                <tr key={r.student} className={r.student === student ? 'current' : undefined} data-testid="class-row" data-student={r.student}>
                  <th scope="row">{r.student}</th>
                  <td className={`num score ${r.best === undefined ? '' : r.best === max ? 'full' : 'partial'}`} data-testid="best">
                    {r.best ?? '—'}
                  </td>
                  <td className="num" data-testid="latest">
                    {r.latestState === 'queued' || r.latestState === 'running' ? <span className="busy-text">{STATE_WORDS[r.latestState]}</span> : r.latestId ? <a href={submissionPagePath(r.latestId)}>{r.latest ?? 'error'}</a> : '—'}
                  </td>
                  <td className="num" data-testid="count">
                    {r.submissions}
                  </td>
                  <td className="nowrap">{r.lastSubmittedAt ? when(r.lastSubmittedAt) : '—'}</td>
                  <td className="first-failure" data-testid="first-failure" title={r.firstFailure}>
                    {/* a crash's evidence runs to several lines: two keep the table scannable, the row's title and History have all of it */}
                    <div className="clamp-two">{r.firstFailure ?? (r.latest === max ? <span className="ok-text">none</span> : '')}</div>
                  </td>
                  <td className="row-actions">
                    <button onClick={() => setStudent(r.student === student ? undefined : r.student)} aria-expanded={r.student === student} data-testid="history-button">
                      History
                    </button>
                    <button onClick={() => regrade(r.student)} disabled={!r.latestId} data-testid="regrade-button">
                      Regrade
                    </button>
                  </td>
                </tr>
              ))}
              {rows?.length === 0 && (
                <tr>
                  <td colSpan={7} className="dim">
                    No students yet: tokens are made with <code>kshram-lab token add NAME</code>.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {student && (
            <div className="student-history" data-testid="student-history">
              {compare && <Compare client={client} checklist={info.checklist} older={compare[0]} newer={compare[1]} onClose={() => setCompare(undefined)} />}
              <History student={student} history={history} onOpen={(id) => window.location.assign(submissionPagePath(id))} onCompare={(a, b) => setCompare([a, b])} />
            </div>
          )}
        </section>
        <QueuePanel queue={queue} />
      </main>
    </div>
  );
}
