import { useCallback, useEffect, useState } from 'react';
import { serviceErrorOf } from '../../../../app/service/http-client';
import type { ServiceError, SubmissionView } from '../../../../app/service/contract';
import { TA_PAGE_PATH } from '../../../../app/service/contract';
import { Header } from '../common/Header';
import { useSubmissionRoute } from '../common/route';
import type { Signed } from '../common/SignedIn';
import { Compare } from './Compare';
import { History } from './History';
import { RunView } from './RunView';
import { UploadZone } from './UploadZone';
import { useLiveRun } from './useLiveRun';

/**
 * The student page: submit a file, watch its run live, read the result;
 * every earlier submission below, newest first. /s/ID shows that one.
 */
export function StudentApp({ client, me, info, live, liveStatus, signOut }: Signed) {
  const [shown, show] = useSubmissionRoute();
  const [history, setHistory] = useState<SubmissionView[]>();
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<ServiceError>();
  const [compare, setCompare] = useState<[string, string]>();

  const refreshHistory = useCallback(() => {
    client.history().then(setHistory, () => undefined);
  }, [client]);
  useEffect(refreshHistory, [refreshHistory]);

  const view = useLiveRun(client, live, shown, refreshHistory);
  // the shown submission's state is news for its history row too
  const state = view.run?.submission?.state;
  const position = view.run?.submission?.position;
  useEffect(() => {
    if (state) refreshHistory();
  }, [state, position, refreshHistory]);

  // a refused upload has no result: the one shown before would read as its result, so it goes
  // (it stays one click away in the history below, fetched anew: a rate limit counts what nc or
  // the workbench sent too)
  const refuse = (error: ServiceError): void => {
    setUploadError(error);
    show(undefined);
    refreshHistory();
  };

  const upload = (file: File): void => {
    setUploading(true);
    setUploadError(undefined);
    client
      .submit(file, file.name)
      .then(({ submission }) => {
        show(submission.id);
        refreshHistory();
      })
      .catch((err: unknown) => refuse(serviceErrorOf(err)))
      .finally(() => setUploading(false));
  };

  // a TA opening a student's link sees whose it is and goes back to the class
  const links = me.role === 'ta' ? <a href={TA_PAGE_PATH}>Class dashboard</a> : undefined;
  return (
    <div className="page student-page">
      <Header me={me} live={liveStatus} title="submit and watch your grade" links={links} onSignOut={signOut} />
      <main className="student-grid">
        <UploadZone info={info} busy={uploading} error={uploadError} onDismissError={() => setUploadError(undefined)} onFile={upload} onRefused={refuse} />
        {shown ? (
          <RunView id={shown} info={info} view={view} />
        ) : (
          <section className="area-run welcome dim" data-testid="welcome">
            {uploadError && history?.length ? (
              <p className="welcome-refused" data-testid="refused-note">
                Nothing was graded for the refused file. Your earlier submissions and their results are below, under Your submissions.
              </p>
            ) : null}
            <p>Your run appears here as it happens: where your submission waits in the queue, then the guest's console and the checklist ticking against the {info.timeLimitMs / 1000} s limit.</p>
            <p>The course server grades items 3–8 from your kshram.ko; this service grades all eight the same way, from your kshram.ko or your source.</p>
          </section>
        )}
        {!shown && (
          <section className="area-grade">
            <div className="checklist-preview panel">
              <div className="panel-head">
                <h2>The checklist</h2>
              </div>
              <ul className="plain-list">
                {info.checklist.map((c) => (
                  <li key={c.id}>
                    {c.id}. {c.title} <span className="dim">{c.max} pts</span>
                  </li>
                ))}
              </ul>
            </div>
          </section>
        )}
        <div className="area-history">
          {compare && <Compare client={client} checklist={info.checklist} older={compare[0]} newer={compare[1]} onClose={() => setCompare(undefined)} />}
          <History history={history} shown={shown} onOpen={(id) => show(id)} onCompare={(a, b) => setCompare([a, b])} />
        </div>
      </main>
    </div>
  );
}
