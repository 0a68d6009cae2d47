import type { QueueState } from '../../../../app/service/contract';
import { when } from '../common/format';

/** The queue (waiting, running, who waits) and the workers (alive, grades done, what each grades now). */
export function QueuePanel({ queue }: { queue?: QueueState }) {
  if (!queue) return <section className="queue-panel dim pad">Loading the queue…</section>;
  const waiting = Object.entries(queue.waitingByStudent).filter(([, n]) => n > 0);
  return (
    <section className="queue-panel" aria-labelledby="queue-title" data-testid="queue-panel">
      <div className="section-head">
        <h2 id="queue-title">Queue</h2>
        <span data-testid="queue-counts">
          <b>{queue.waiting}</b> waiting · <b>{queue.running}</b> grading
        </span>
      </div>
      {waiting.length > 0 && (
        <div className="small pad-x">
          <span className="dim">waiting per student:</span> {waiting.map(([s, n]) => `${s} ${n}`).join(', ')}
        </div>
      )}
      <table className="table compact" data-testid="workers">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Grades done
            </th>
            <th scope="col">Grading now</th>
          </tr>
        </thead>
        <tbody>
          {queue.workers.length === 0 && (
            <tr>
              <td colSpan={4} className="dim">
                No worker has reported: nothing is being graded. Start one with <code>kshram-lab worker --redis URL</code>.
              </td>
            </tr>
          )}
          {queue.workers.map((w) => (
            <tr key={w.id} data-testid="worker-row">
              <td>
                <code>{w.host}</code> <span className="dim small">pid {w.pid}</span>
              </td>
              <td className={w.alive ? 'ok-text' : 'error-text'} title={`last seen ${when(w.lastSeenAt)}`}>
                {w.alive ? `alive, ${w.jobs} at once` : 'not heard from'}
              </td>
              <td className="num">{w.gradesDone}</td>
              <td className="small">{w.running.length ? w.running.join(', ') : <span className="dim">idle</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
