import { useCallback, useEffect, useRef, useState } from 'react';
import { serviceErrorOf, type LiveConnection, type ServiceApi } from '../../../../app/service/http-client';
import type { GradeReportJson, ServiceError, SubmissionView } from '../../../../app/service/contract';
import { applyLive, emptyRun, finished, restartsRun, runFromDetail, type LiveRun } from '../../../shared/grade/liveRun';
import type { XtermSink } from '../../../shared/terminal/Xterm';

/** A run as the pages see it: the service's full types (the crash, the uploader). */
export type PageRun = LiveRun<GradeReportJson, SubmissionView>;

export interface LiveRunView {
  run?: PageRun;
  /** The stored submission could not be loaded (not found, not yours). */
  error?: ServiceError;
  /** Hooks the console of this run to a terminal (stable per submission). */
  connectConsole(sink: XtermSink): () => void;
  /** Some console output arrived (a finished run's stream may have expired). */
  consoleSeen: boolean;
}

/**
 * One submission, live: its stored state from the API, then the live
 * socket's replay and events. After a reconnect the service replays the
 * run from its start, so the console starts over; a finished submission's
 * stored result always wins over a half replay.
 */
export function useLiveRun(client: ServiceApi, live: LiveConnection, id: string | undefined, onSettled?: () => void): LiveRunView {
  const [run, setRun] = useState<PageRun>();
  const [error, setError] = useState<ServiceError>();
  const [consoleSeen, setConsoleSeen] = useState(false);
  const sink = useRef<{ write: XtermSink['write']; reset(): void } | undefined>(undefined);
  const pending = useRef<string[]>([]);
  const settled = useRef(onSettled);
  settled.current = onSettled;

  const connectConsole = useCallback(
    (terminal: XtermSink) => {
      const reset = (): void => terminal.write('\x1bc');
      sink.current = { write: (data, written) => terminal.write(data, written), reset };
      for (const data of pending.current.splice(0)) terminal.write(data);
      return () => {
        sink.current = undefined;
      };
    },
    // a new terminal per submission
    [id],
  );

  useEffect(() => {
    setRun(undefined);
    setError(undefined);
    setConsoleSeen(false);
    pending.current = [];
    if (!id) return;
    let gone = false;

    const load = (): void => {
      client.submission(id).then(
        (detail) => {
          if (gone) return;
          setRun((now) => (!now || finished(detail) ? runFromDetail<GradeReportJson, SubmissionView>(detail) : { ...now, submission: now.submission ?? detail }));
        },
        (err: unknown) => {
          if (!gone) setError(serviceErrorOf(err));
        },
      );
    };
    const off = live.onMessage((message) => {
      if (message.t === 'ready') {
        // a (re)connection: the service replays this run from its start
        sink.current?.reset();
        pending.current = [];
        load();
        return;
      }
      if (message.t !== 'event' || message.submission !== id) return;
      const { event } = message;
      if (event.name === 'console.data') {
        setConsoleSeen(true);
        if (sink.current) sink.current.write(event.payload.data);
        else pending.current.push(event.payload.data);
        return;
      }
      setRun((now) => {
        // a replay of a run whose stored result is known changes nothing
        if (now?.result && !now.grade.running && now.submission && finished(now.submission)) return now;
        const run = now ?? emptyRun<GradeReportJson, SubmissionView>();
        if (restartsRun(run, event)) sink.current?.reset();
        return applyLive(run, event);
      });
      if (event.name === 'grade.done' || (event.name === 'submission.state' && finished(event.payload))) settled.current?.();
    });
    load();
    live.watch(id);
    return () => {
      gone = true;
      off();
      live.unwatch(id);
    };
  }, [client, live, id]);

  return { run, error, connectConsole, consoleSeen };
}
