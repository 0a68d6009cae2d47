import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ApiError, LabClient, SubmitSettings } from '../../../app/api';
import { errorData } from '../client/errors';

interface Props {
  client: LabClient;
  settings?: SubmitSettings;
  onSaved(settings: SubmitSettings): void;
  onClose(): void;
}

/**
 * Where Submit sends your module: the course service's address and your
 * token. Both are checked with the service before they are kept; the token
 * goes to a file only you can read and never comes back to this page.
 */
export function SubmitSettingsDialog({ client, settings, onSaved, onClose }: Props) {
  const [url, setUrl] = useState(settings?.url ?? '');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const save = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    client.invoke('submit.configure', { url: url.trim(), token: token.trim() }).then(
      (saved) => {
        onSaved(saved);
        onClose();
      },
      (err: unknown) => {
        setError(errorData(err));
        setBusy(false);
      },
    );
  };
  const forget = (): void => {
    void client.invoke('submit.forget', {}).then((saved) => {
      onSaved(saved);
      onClose();
    });
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal submit-settings" role="dialog" aria-modal="true" aria-labelledby="submit-settings-title" onClick={(e) => e.stopPropagation()} onSubmit={save} data-testid="submit-settings">
        <div className="modal-head">
          <h2 id="submit-settings-title">Submit to the course service</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="close">
            ✕
          </button>
        </div>
        <p className="dim">
          Submit builds your module, uploads your sources to your course’s grading service and shows its run in the Grade pane, as the course grades it. It needs the service’s address and the token your TA gave you
          {settings?.student ? (
            <>
              {' '}
              (now: <b>{settings.student}</b> at {settings.url})
            </>
          ) : null}
          .
        </p>
        <label className="field">
          <span>Service address</span>
          <input ref={first} type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://kshram.example.edu" required data-testid="submit-url" spellCheck={false} />
        </label>
        <label className="field">
          <span>Your token</span>
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder={settings?.student ? 'paste it again to change it' : 'kshram_…'} required autoComplete="off" data-testid="submit-token" spellCheck={false} />
        </label>
        <p className="dim small">
          Kept for you alone (readable by your user only) in <code>{settings?.file ?? 'your state folder'}</code>.
        </p>
        {error && (
          <div className="inline-notice error" role="alert" data-testid="submit-settings-error">
            {error.message}
            {error.suggestion && <div className="suggestion">{error.suggestion}</div>}
          </div>
        )}
        <div className="row end">
          {settings?.url && (
            <button type="button" onClick={forget} data-testid="submit-forget">
              Forget
            </button>
          )}
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !url.trim() || !token.trim()} data-testid="submit-save">
            {busy ? 'Checking…' : 'Check and save'}
          </button>
        </div>
      </form>
    </div>
  );
}
