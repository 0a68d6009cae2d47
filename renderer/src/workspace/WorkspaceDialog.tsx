import { useEffect, useState } from 'react';
import type { LabClient, Template } from '../../../app/api';
import { errorData } from '../client/errors';

interface Props {
  client: LabClient;
  canPickFolder: boolean;
  /** There is a workspace to go back to (else the dialog cannot be dismissed). */
  cancellable: boolean;
  /** Asked before leaving a workspace with unsaved edits; false keeps it. */
  confirmLeave(): boolean;
  onClose(): void;
}

/** Open a folder with a kshram.c, or create one from a template. */
export function WorkspaceDialog({ client, canPickFolder, cancellable, confirmLeave, onClose }: Props) {
  const [recent, setRecent] = useState<string[]>();
  const [openPath, setOpenPath] = useState('');
  const [createPath, setCreatePath] = useState('');
  const [template, setTemplate] = useState<Template>('starter');
  const [error, setError] = useState<{ message: string; suggestion?: string }>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void client.invoke('workspace.recent', {}).then(setRecent, () => setRecent([]));
  }, [client]);

  const run = async (action: () => Promise<unknown>): Promise<void> => {
    if (!confirmLeave()) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onClose();
    } catch (err) {
      setError(errorData(err));
    } finally {
      setBusy(false);
    }
  };
  const open = (dir: string): Promise<void> => run(() => client.invoke('workspace.open', { dir }));
  const pick = async (): Promise<void> => {
    const dir = await client.invoke('workspace.pick', {}).catch(() => null);
    if (dir) await open(dir);
  };

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Workspace" data-testid="workspace-dialog" data-recent={recent ? 'listed' : 'asking'}>
        <header className="modal-head">
          <h2>Workspace</h2>
          {cancellable && (
            <button className="icon-button" onClick={onClose} aria-label="Close">
              ✕
            </button>
          )}
        </header>
        <p className="dim">A workspace is a folder with your kshram.c (and optionally kshram.h and a Makefile).</p>
        <section>
          <h3>Open a folder</h3>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void open(openPath);
            }}
          >
            <input data-testid="open-path" value={openPath} onChange={(e) => setOpenPath(e.target.value)} placeholder="/home/you/lab05" spellCheck={false} />
            <button type="submit" className="primary" disabled={busy || !openPath.trim()}>
              Open
            </button>
            {canPickFolder && (
              <button type="button" onClick={() => void pick()} disabled={busy}>
                Browse…
              </button>
            )}
          </form>
          {recent && recent.length > 0 && (
            <ul className="recent">
              {recent.map((dir) => (
                <li key={dir}>
                  <button className="link-button" onClick={() => void open(dir)} disabled={busy}>
                    {dir}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h3>Create from a template</h3>
          <div className="templates">
            <label className={template === 'starter' ? 'selected' : ''} data-testid="template-starter">
              <input type="radio" name="template" checked={template === 'starter'} onChange={() => setTemplate('starter')} />
              <strong>Starter skeleton</strong>
              <span className="dim">The hello, world! module grown into a skeleton that builds and loads, with a TODO wherever the lab asks for work.</span>
            </label>
            <label className={template === 'reference' ? 'selected' : ''} data-testid="template-reference">
              <input type="radio" name="template" checked={template === 'reference'} onChange={() => setTemplate('reference')} />
              <strong>Reference module</strong>
              <span className="dim">A complete kshram.c that scores 100/100: to explore the workbench, or compare.</span>
            </label>
          </div>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => client.invoke('workspace.create', { dir: createPath, template }));
            }}
          >
            <input data-testid="create-path" value={createPath} onChange={(e) => setCreatePath(e.target.value)} placeholder="new or empty folder, e.g. ~/lab05" spellCheck={false} />
            <button type="submit" className="primary" data-testid="create-button" disabled={busy || !createPath.trim()}>
              Create
            </button>
          </form>
        </section>
        {error && (
          <div className="inline-notice error" data-testid="workspace-error">
            {error.message}
            {error.suggestion && <div className="dim">{error.suggestion}</div>}
          </div>
        )}
      </div>
    </div>
  );
}
