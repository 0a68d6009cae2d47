import { useState } from 'react';
import type { ServiceInfo } from '../../../../app/service/contract';
import { GradePane } from '../../../shared/grade/GradePane';
import { Xterm } from '../../../shared/terminal/Xterm';
import { ErrorNotice } from '../common/ErrorNotice';
import { bytes, shortSha, when } from '../common/format';
import { permanentLink } from '../common/route';
import { BuildProblems } from './BuildProblems';
import { CrashCard } from './CrashCard';
import type { LiveRunView } from './useLiveRun';

const KIND_WORDS = { ko: 'a built module', c: 'a source file', tar: 'an archive', zip: 'an archive' } as const;

/**
 * One submission: what was uploaded and its permanent link, the guest's
 * console (read-only), and the Grade pane with the crash decoded. Two grid
 * areas of the student page (run, grade).
 */
export function RunView({ id, info, view }: { id: string; info: ServiceInfo; view: LiveRunView }) {
  const { run, error } = view;
  const s = run?.submission;
  const result = run?.result;
  const [copied, setCopied] = useState(false);
  const link = permanentLink(id);
  const copy = (): void => {
    void navigator.clipboard?.writeText(link).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  const crashTitle = result?.crash && info.checklist.find((c) => c.id === result.crash!.item)?.title;
  return (
    <>
      <section className="area-run" aria-label="this submission">
        {error ? (
          <ErrorNotice error={error} testId="submission-error" />
        ) : (
          <div className="submission-head" data-testid="submission-head">
            <div>
              <strong className="file-name">{s?.fileName ?? '…'}</strong>{' '}
              {s && (
                <span className="dim small">
                  {KIND_WORDS[s.kind]}, {bytes(s.size)}, sha256 <code title={s.sha256}>{shortSha(s.sha256)}</code> · submitted <span className="nowrap">{when(s.submittedAt)}</span>
                  {s.via === 'regrade' ? ' · a regrade' : s.via === 'nc' ? ' · through nc' : ''}
                  {s.student ? ` · ${s.student}` : ''}
                </span>
              )}
            </div>
            <div className="permalink small">
              <span className="dim">Permanent link:</span>{' '}
              <a href={link} data-testid="permalink">
                {link}
              </a>{' '}
              <button className="link-button" onClick={copy}>
                {copied ? 'copied' : 'copy'}
              </button>
            </div>
          </div>
        )}
        <div className="console-box">
          <div className="console-head small">
            <span>Guest console</span> <span className="dim">ttyS0, read-only</span>
          </div>
          <div className="console-body">
            <Xterm key={id} connect={view.connectConsole} className="console-host" testId="console" label="the guest console of this run, read-only" />
            {!view.consoleSeen && s && (
              <div className="console-hint dim">{s.state === 'queued' ? 'The console appears here once a grader starts your run.' : s.state === 'running' ? 'Waiting for the guest’s first words…' : 'This run’s console is no longer kept; its result and evidence are.'}</div>
            )}
          </div>
        </div>
      </section>
      <section className="area-grade" aria-label="the grade">
        <GradePane
          checklist={info.checklist}
          timeLimitMs={result?.timeLimitMs ?? info.timeLimitMs}
          grade={run?.grade}
          openFailed
          badge={<span className="source-badge" title="graded by the course service">course service</span>}
          idleDetail="loading…"
        >
          {s?.state === 'queued' && (
            <div className="inline-notice queue-notice" data-testid="queue-position" aria-live="polite">
              {run?.grade.stageDetail}
            </div>
          )}
          {result && <BuildProblems build={result.build} />}
          {result?.crash && <CrashCard crash={result.crash} checklistTitle={crashTitle} />}
        </GradePane>
      </section>
    </>
  );
}
