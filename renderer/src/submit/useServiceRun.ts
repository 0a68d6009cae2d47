import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, LabClient, ServiceSubmission, SubmitSettings } from '../../../app/api';
import { applyLive, emptyRun, finished, restartsRun, runFromDetail, type LiveRun } from '../../shared/grade/liveRun';
import type { XtermSink } from '../../shared/terminal/Xterm';
import { errorData } from '../client/errors';

export interface ServiceRun {
  settings?: SubmitSettings;
  /** The run shown: the last Submit, or a submission opened from the history. */
  run?: LiveRun;
  /** Why the last Submit or open failed (a build error, a refusal of the service). */
  error?: ApiError;
  submitting: boolean;
  history?: ServiceSubmission[];
  /** Console output of the shown run arrived (a finished run's may be gone). */
  consoleSeen: boolean;
  submit(): Promise<void>;
  open(id: string): Promise<void>;
  refreshHistory(): Promise<void>;
  setSettings(settings: SubmitSettings): void;
  clearError(): void;
  /** Hooks the shown run's console to a terminal. */
  connectConsole(sink: XtermSink): () => void;
}

/**
 * The workbench's side of Submit: the settings (whose token, which
 * service), the run the engine follows on the service (`submit.live`
 * events) and the history, for the Grade pane's service view.
 */
export function useServiceRun(client: LabClient): ServiceRun {
  const [settings, setSettings] = useState<SubmitSettings>();
  const [run, setRun] = useState<LiveRun>();
  const [error, setError] = useState<ApiError>();
  const [submitting, setSubmitting] = useState(false);
  const [history, setHistory] = useState<ServiceSubmission[]>();
  const [consoleSeen, setConsoleSeen] = useState(false);
  const followed = useRef<string | undefined>(undefined);
  const sink = useRef<XtermSink | undefined>(undefined);
  const pending = useRef<string[]>([]);

  const refreshHistory = useCallback(async () => {
    try {
      setHistory(await client.invoke('submit.history', {}));
    } catch (err) {
      setError(errorData(err));
    }
  }, [client]);

  useEffect(() => {
    void client.invoke('submit.settings', {}).then(setSettings, () => undefined);
    const clearConsole = (): void => {
      pending.current = [];
      setConsoleSeen(false);
      sink.current?.write('\x1bc');
    };
    return client.on('submit.live', ({ submission, event, restart }) => {
      if (restart) {
        if (followed.current !== submission) setRun(undefined);
        followed.current = submission;
        clearConsole();
      }
      if (!event || submission !== followed.current) return;
      if (event.name === 'console.data') {
        setConsoleSeen(true);
        if (sink.current) sink.current.write(event.payload.data);
        else pending.current.push(event.payload.data);
        return;
      }
      setRun((now) => {
        // a replay of a run whose stored result is shown changes nothing
        if (now?.result && now.submission && finished(now.submission)) return now;
        const base = now ?? emptyRun();
        if (restartsRun(base, event)) clearConsole();
        return applyLive(base, event);
      });
      // the history changes once the service has stored the result (its state says so)
      if (event.name === 'submission.state' && finished(event.payload)) void refreshHistory();
    });
  }, [client, refreshHistory]);

  const submit = useCallback(async () => {
    setSubmitting(true);
    setError(undefined);
    try {
      const submission = await client.invoke('submit.run', {});
      setRun((now) => (now?.submission ? now : applyLive(now ?? emptyRun(), { name: 'submission.state', payload: submission })));
      void refreshHistory();
    } catch (err) {
      setError(errorData(err));
      throw err;
    } finally {
      setSubmitting(false);
    }
  }, [client, refreshHistory]);

  const open = useCallback(
    async (id: string) => {
      setError(undefined);
      try {
        const detail = await client.invoke('submit.open', { id });
        setRun((now) => (!now?.submission || finished(detail) ? runFromDetail(detail) : now));
      } catch (err) {
        setError(errorData(err));
      }
    },
    [client],
  );

  const connectConsole = useCallback((terminal: XtermSink) => {
    sink.current = terminal;
    for (const data of pending.current.splice(0)) terminal.write(data);
    return () => {
      sink.current = undefined;
    };
  }, []);

  return { settings, run, error, submitting, history, consoleSeen, submit, open, refreshHistory, setSettings, clearError: () => setError(undefined), connectConsole };
}
