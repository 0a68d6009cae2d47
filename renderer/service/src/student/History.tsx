import { useState } from 'react';
import type { SubmissionView } from '../../../../app/service/contract';
import { submissionPagePath } from '../../../../app/service/contract';
import { shortSha, when } from '../common/format';

interface Props {
  history?: SubmissionView[];
  shown?: string;
  onOpen(id: string): void;
  onCompare(older: string, newer: string): void;
  /** A TA's view of one student: whose history this is. */
  student?: string;
}

const STATE_WORDS = { queued: 'waiting', running: 'grading…', graded: '', error: 'not graded' } as const;

/** Every submission, newest first: open one, or tick two and compare them. */
export function History({ history, shown, onOpen, onCompare, student }: Props) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string, on: boolean): void => setPicked((now) => (on ? [...now.filter((p) => p !== id), id].slice(-2) : now.filter((p) => p !== id)));
  const compare = (): void => {
    if (!history || picked.length !== 2) return;
    const [a, b] = [...picked].sort((x, y) => history.findIndex((h) => h.id === y) - history.findIndex((h) => h.id === x));
    onCompare(a!, b!);
  };
  return (
    <section className="history" aria-labelledby="history-title">
      <div className="section-head">
        <h2 id="history-title">{student ? `${student}’s submissions` : 'Your submissions'}</h2>
        <span className="dim small">newest first{history && history.length > 1 ? ' · tick two to compare them' : ''}</span>
        <div className="fill" />
        <button onClick={compare} disabled={picked.length !== 2} data-testid="compare-button">
          Compare {picked.length === 2 ? 'the two' : 'two'}
        </button>
      </div>
      {!history ? (
        <div className="dim pad">Loading…</div>
      ) : history.length === 0 ? (
        <div className="dim pad">No submissions yet.</div>
      ) : (
        <table className="table" data-testid="history">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">compare</span>
              </th>
              <th scope="col">When</th>
              <th scope="col">File</th>
              <th scope="col">sha256</th>
              <th scope="col" className="num">
                Score
              </th>
              <th scope="col">First failed item</th>
            </tr>
          </thead>
          <tbody>
            {history.map((s) => (
              <tr key={s.id} className={s.id === shown ? 'current' : undefined} data-testid="history-row" data-id={s.id}>
                <td>
                  <input type="checkbox" checked={picked.includes(s.id)} onChange={(e) => toggle(s.id, e.target.checked)} aria-label={`compare ${s.fileName} of ${when(s.submittedAt)}`} disabled={s.state !== 'graded'} />
                </td>
                <td className="nowrap">{when(s.submittedAt)}</td>
                <td>
                  <a
                    href={submissionPagePath(s.id)}
                    onClick={(e) => {
                      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                      e.preventDefault();
                      onOpen(s.id);
                    }}
                  >
                    {s.fileName}
                  </a>
                  {s.via === 'regrade' && <span className="dim small"> (regrade)</span>}
                </td>
                <td>
                  <code title={s.sha256}>{shortSha(s.sha256)}</code>
                </td>
                <td className={`num score ${s.total === undefined ? '' : s.total === s.max ? 'full' : 'partial'}`}>{s.state === 'graded' && s.total !== undefined ? `${s.total}/${s.max}` : STATE_WORDS[s.state]}</td>
                <td className="first-failure">{s.state === 'error' ? (s.error?.message ?? 'could not be graded') : s.firstFailure ? `${s.firstFailure.id}. ${s.firstFailure.title}` : s.state === 'graded' ? '—' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
