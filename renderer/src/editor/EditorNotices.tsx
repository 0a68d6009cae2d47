import type { EditorFile } from '../../../app/api';
import type { EditorFiles } from './files';
import type { LanguageServer } from './lsp/use-language-server';

interface Props {
  files: EditorFiles | null;
  active: EditorFile;
  lsp: LanguageServer;
  /** Files whose unsaved draft came back from the last session and are still unsaved. */
  restored: readonly EditorFile[];
  onKeepRestored(): void;
  onDiscard(path: EditorFile): void;
}

/** What the editor tells once: restored drafts, why clangd cannot run, a file not in the workspace. */
export function EditorNotices({ files, active, lsp, restored, onKeepRestored, onDiscard }: Props) {
  return (
    <>
      {restored.length > 0 && (
        <div className="inline-notice">
          Restored unsaved changes to {restored.join(', ')} from your last session.
          <button className="link-button" onClick={onKeepRestored}>
            Keep them
          </button>
          {restored.map((p) => (
            <button key={p} className="link-button" onClick={() => onDiscard(p)}>
              Discard {p}
            </button>
          ))}
        </div>
      )}
      {lsp.notice && (
        <div className="inline-notice" data-testid="lsp-notice">
          {lsp.notice}
          <button className="link-button" onClick={lsp.dismissNotice}>
            OK
          </button>
        </div>
      )}
      {files && !lsp.activeHeader && !files.files.get(active)?.exists && <div className="inline-notice dim">{active} is not in the workspace{active === 'kshram.h' ? ": builds use the lab's kshram.h" : ''}. Saving creates it.</div>}
    </>
  );
}
