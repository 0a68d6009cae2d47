import { useCallback, useEffect, useReducer, useState, type Dispatch } from 'react';
import type { ApiEvent, EventName, LabClient, SessionState } from '../../app/api';
import { errorData } from './client/errors';
import { initialState, reducer, type Action, type UiState } from './store';

/** The session's events the reducer follows (console output, gdb's and clangd's messages go to their own views). */
const EVENTS: EventName[] = ['build.state', 'vm.state', 'slots.snapshot', 'grade.started', 'grade.stage', 'grade.clock', 'grade.itemStart', 'grade.itemEnd', 'grade.done', 'workspace.changed', 'env.changed', 'debug.state', 'debug.breakpoints'];

export interface Session {
  state: UiState;
  dispatch: Dispatch<Action>;
  /** app.info and app.state have arrived once. */
  loaded: boolean;
  /** Shows an error as a dismissable notice, optionally prefixed ("Boot: "). */
  notifyError: (err: unknown, prefix?: string) => void;
}

/**
 * The workbench's view of the lab session: its state from app.state at
 * start and after every reconnection (`onSession` repaints the terminals
 * from it), then kept current by the session's events.
 */
export function useSession(client: LabClient, onSession: (session: SessionState) => void): Session {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [loaded, setLoaded] = useState(false);

  const notifyError = useCallback((err: unknown, prefix = '') => {
    const data = errorData(err);
    dispatch({ type: 'notice', kind: 'error', text: `${prefix}${data.message}`, suggestion: data.suggestion });
  }, []);

  const refresh = useCallback(async () => {
    const [info, session] = await Promise.all([client.invoke('app.info', {}), client.invoke('app.state', {})]);
    dispatch({ type: 'info', info });
    dispatch({ type: 'session', state: session });
    onSession(session);
    setLoaded(true);
    dispatch({ type: 'env', env: await client.invoke('env.status', {}) });
  }, [client, onSession]);

  useEffect(() => {
    const offs = EVENTS.map((name) => client.on(name, (payload) => dispatch({ type: 'event', event: { name, payload } as ApiEvent })));
    // another workspace brings back its own last build, grade and console: all of the session's state again
    offs.push(client.on('workspace.changed', () => void refresh().catch(notifyError)));
    let lost = false;
    const offConnection = client.onConnection?.((problem) => {
      dispatch({ type: 'connection', problem });
      // back after a drop: the session went on without us
      if (!problem && lost) void refresh().catch(notifyError);
      lost = !!problem;
    });
    void refresh().catch(notifyError);
    return () => {
      offs.forEach((off) => off());
      offConnection?.();
    };
  }, [client, refresh, notifyError]);

  return { state, dispatch, loaded, notifyError };
}
