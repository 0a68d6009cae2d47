import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { LiveConnection, LiveStatus, ServiceApi } from '../../../../app/service/http-client';
import { serviceErrorOf } from '../../../../app/service/http-client';
import type { Me, ServiceError, ServiceInfo } from '../../../../app/service/contract';
import { ErrorNotice } from './ErrorNotice';
import { liveConnection, serviceClient } from './service';
import { SignIn } from './SignIn';
import { forgetToken, storedToken, storeToken } from './token';

/** What a signed-in page stands on. */
export interface Signed {
  client: ServiceApi;
  me: Me;
  info: ServiceInfo;
  live: LiveConnection;
  liveStatus: LiveStatus;
  signOut(): void;
}

type Auth = { phase: 'checking' } | { phase: 'out'; error?: ServiceError } | { phase: 'in'; token: string; me: Me };

/**
 * The sign-in gate of both pages: the service's public info first (what it
 * grades on), then the stored token checked with /api/me, then the live
 * socket. A token the service refuses is forgotten, with the reason shown.
 */
export function SignedIn({ children, purpose }: { children(signed: Signed): ReactNode; purpose: string }) {
  const [info, setInfo] = useState<ServiceInfo>();
  const [infoError, setInfoError] = useState<ServiceError>();
  const [auth, setAuth] = useState<Auth>(() => (storedToken() ? { phase: 'checking' } : { phase: 'out' }));
  const [live, setLive] = useState<{ connection: LiveConnection; status: LiveStatus }>();

  const loadInfo = useCallback(() => {
    setInfoError(undefined);
    serviceClient()
      .info()
      .then(setInfo, (err: unknown) => setInfoError(serviceErrorOf(err)));
  }, []);
  useEffect(loadInfo, [loadInfo]);

  const check = useCallback(async (token: string): Promise<ServiceError | undefined> => {
    try {
      const me = await serviceClient(token).me();
      storeToken(token);
      setAuth({ phase: 'in', token, me });
      return undefined;
    } catch (err) {
      const error = serviceErrorOf(err);
      if (error.code === 'UNAUTHORIZED') forgetToken();
      setAuth({ phase: 'out', error });
      return error;
    }
  }, []);

  useEffect(() => {
    const token = storedToken();
    if (token) void check(token);
  }, [check]);

  const token = auth.phase === 'in' ? auth.token : undefined;
  const client = useMemo(() => (token ? serviceClient(token) : undefined), [token]);
  useEffect(() => {
    if (!token) return;
    const connection = liveConnection(serviceClient(token), token);
    const off = connection.onStatus((status) => {
      setLive({ connection, status });
      if (status.state === 'refused') {
        forgetToken();
        setAuth({ phase: 'out', error: { code: 'UNAUTHORIZED', message: status.reason, suggestion: 'Sign in again with a valid token.' } });
      }
    });
    return () => {
      off();
      connection.close();
      setLive(undefined);
    };
  }, [token]);

  const signOut = useCallback(() => {
    forgetToken();
    setAuth({ phase: 'out' });
  }, []);

  if (infoError) {
    return (
      <div className="gate">
        <ErrorNotice error={infoError} testId="service-error" />
        <button onClick={loadInfo}>Try again</button>
      </div>
    );
  }
  if (!info || auth.phase === 'checking') return <div className="gate dim">Connecting to the course service…</div>;
  if (auth.phase === 'out') return <SignIn info={info} purpose={purpose} error={auth.error} onToken={check} />;
  if (!live || !client) return <div className="gate dim">Connecting to the course service…</div>;
  return <>{children({ client, me: auth.me, info, live: live.connection, liveStatus: live.status, signOut })}</>;
}
