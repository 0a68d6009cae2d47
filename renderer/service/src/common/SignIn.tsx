import { useState, type FormEvent } from 'react';
import type { ServiceError, ServiceInfo } from '../../../../app/service/contract';
import { ErrorNotice } from './ErrorNotice';
import { Brand } from './Header';

interface Props {
  info: ServiceInfo;
  /** What this page is for, one line under the title. */
  purpose: string;
  error?: ServiceError;
  /** Checks the token with the service; resolves with its refusal, if any. */
  onToken(token: string): Promise<ServiceError | undefined>;
}

/** The token from `kshram-lab token add`, typed or pasted once per browser. */
export function SignIn({ info, purpose, error, onToken }: Props) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed || busy) return;
    setBusy(true);
    void onToken(trimmed).finally(() => setBusy(false));
  };
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <Brand />
        <h1 id="sign-in-title">Sign in</h1>
        <p className="dim">{purpose}</p>
        <label htmlFor="token">Your token</label>
        <input id="token" type="password" autoComplete="current-password" autoFocus value={token} onChange={(e) => setToken(e.target.value)} placeholder="paste the token your TA gave you" data-testid="token-input" spellCheck={false} />
        {error && <ErrorNotice error={error} testId="sign-in-error" />}
        <button type="submit" className="primary" disabled={!token.trim() || busy} data-testid="sign-in-button">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="dim small">
          The token stays in this browser until you sign out. Submissions are graded on <b>{info.kit}</b> (Linux {info.kernelRelease}): one cold boot, the lab's eight items in order, {info.timeLimitMs / 1000} s including the boot.
        </p>
      </form>
    </main>
  );
}
