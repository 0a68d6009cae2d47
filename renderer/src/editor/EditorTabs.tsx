import type { ApiDiagnostic, EditorFile, WorkspaceInfo } from '../../../app/api';
import type { EditorFiles } from './files';
import { HeaderTabs, LspBadge } from './lsp/HeaderTabs';
import type { LanguageServer } from './lsp/use-language-server';

interface Props {
  workspace: WorkspaceInfo;
  files: EditorFiles | null;
  active: EditorFile;
  diagnostics: readonly ApiDiagnostic[];
  lsp: LanguageServer;
  onSelect(path: EditorFile): void;
  onDiscard(path: EditorFile): void;
}

/** The workspace's files as tabs (error or warning count, unsaved dot), the kit headers opened read-only, clangd's state. */
export function EditorTabs({ workspace, files, active, diagnostics, lsp, onSelect, onDiscard }: Props) {
  const count = (path: EditorFile, severity: ApiDiagnostic['severity']): number => diagnostics.filter((d) => d.file === path && d.severity === severity).length;
  // a kit header shown instead of a file has nothing to discard
  const discardable = !lsp.activeHeader && !!files?.isDirty(active);
  return (
    <div className="tabs" role="tablist">
      {workspace.files.map(({ path }) => {
        const file = files?.files.get(path);
        const dirty = !!files?.isDirty(path);
        const selected = active === path && !lsp.activeHeader;
        const errors = count(path, 'error');
        const warnings = count(path, 'warning');
        return (
          <button key={path} role="tab" aria-selected={selected} className={`tab${selected ? ' active' : ''}${file && !file.exists ? ' missing' : ''}`} data-testid={`tab-${path}`} onClick={() => onSelect(path)} title={file && !file.exists ? `${path} is not in the workspace; saving creates it` : path}>
            <span className="tab-name">{path}</span>
            {errors > 0 && <span className="tab-badge error">{errors}</span>}
            {errors === 0 && warnings > 0 && <span className="tab-badge warning">{warnings}</span>}
            <span className={`tab-dirty${dirty ? ' on' : ''}`} data-testid={dirty ? 'unsaved' : undefined} aria-label={dirty ? 'unsaved changes' : undefined}>
              ●
            </span>
          </button>
        );
      })}
      <HeaderTabs lsp={lsp} />
      <div className="tabs-fill" />
      <LspBadge lsp={lsp} />
      {discardable && (
        <button className="link-button" onClick={() => onDiscard(active)} title="Throw away the unsaved changes of this file" data-testid="discard-changes">
          Discard changes
        </button>
      )}
    </div>
  );
}
