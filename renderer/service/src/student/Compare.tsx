import { useEffect, useState } from 'react';
import { serviceErrorOf, type ServiceApi } from '../../../../app/service/http-client';
import type { ServiceError, ServiceInfo, SubmissionDetail } from '../../../../app/service/contract';
import { ErrorNotice } from '../common/ErrorNotice';
import { shortSha, when } from '../common/format';

interface Props {
  client: ServiceApi;
  checklist: ServiceInfo['checklist'];
  older: string;
  newer: string;
  onClose(): void;
}

const ICON = { pass: '✔', fail: '✘', 'not-run': '–' } as const;

/** Two graded submissions item by item: which items changed between them. */
export function Compare({ client, checklist, older, newer, onClose }: Props) {
  const [pair, setPair] = useState<[SubmissionDetail, SubmissionDetail]>();
  const [error, setError] = useState<ServiceError>();
  useEffect(() => {
    setPair(undefined);
    Promise.all([client.submission(older), client.submission(newer)]).then(setPair, (err: unknown) => setError(serviceErrorOf(err)));
  }, [client, older, newer]);
  if (error) return <ErrorNotice error={error} onDismiss={onClose} />;
  if (!pair) return <div className="compare dim pad">Loading both…</div>;
  const [a, b] = pair;
  const changed = checklist.filter((entry) => {
    const x = a.result?.items.find((i) => i.id === entry.id);
    const y = b.result?.items.find((i) => i.id === entry.id);
    return x?.status !== y?.status || x?.points !== y?.points;
  });
  const head = (s: SubmissionDetail): string => `${s.fileName} · ${when(s.submittedAt)} · ${shortSha(s.sha256)}`;
  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="compare">
      <div className="section-head">
        <h2 id="compare-title">Compare</h2>
        <span className="small" data-testid="compare-summary">
          {changed.length === 0 ? 'No item changed.' : `${changed.length} item${changed.length === 1 ? '' : 's'} changed: ${changed.map((c) => c.id).join(', ')}.`}
        </span>
        <div className="fill" />
        <button onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">
              Older <span className="dim small">{head(a)}</span>
            </th>
            <th scope="col">
              Newer <span className="dim small">{head(b)}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {checklist.map((entry) => {
            const x = a.result?.items.find((i) => i.id === entry.id);
            const y = b.result?.items.find((i) => i.id === entry.id);
            const differs = changed.includes(entry);
            return (
              <tr key={entry.id} className={differs ? 'changed' : undefined} data-testid="compare-row" data-changed={differs}>
                <td>
                  {entry.id}. {entry.title}
                  {differs && <span className="changed-mark"> changed</span>}
                </td>
                <td className={x?.status}>{x ? `${ICON[x.status]} ${x.points}/${x.max}` : '—'}</td>
                <td className={y?.status}>{y ? `${ICON[y.status]} ${y.points}/${y.max}` : '—'}</td>
              </tr>
            );
          })}
          <tr className="total-row">
            <td>Total</td>
            <td>{a.result ? `${a.result.total}/${a.result.max}` : '—'}</td>
            <td>{b.result ? `${b.result.total}/${b.result.max}` : '—'}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
