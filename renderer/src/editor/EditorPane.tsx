import { useEffect, useImperativeHandle, useReducer, useRef, useState, type Ref } from 'react';
import type { ApiDiagnostic, CheckedFindingInfo, CrashInfo, EditorFile, LabClient, WorkspaceInfo } from '../../../app/api';
import { useCrashMarker } from '../crash/useCrashMarker';
import { useFindingMarkers } from '../checked/useFindingMarkers';
import { errorData } from '../client/errors';
import { useDebugGutter, type DebugGutter } from '../debug/useDebugGutter';
import { EditorFiles } from './files';
import { HeaderTabs, LspBadge } from './lsp/HeaderTabs';
import { HEADER_READ_ONLY, useLanguageServer } from './lsp/use-language-server';
import { monaco, THEME } from './monaco';

export interface EditorHandle {
  /** Saves every modified tab; resolves with the files written. */
  saveAll(): Promise<EditorFile[]>;
  dirtyPaths(): EditorFile[];
  /** Shows a file at a line, e.g. from the Problems list. */
  reveal(file: string, line: number, column: number): void;
}

interface Props {
  client: LabClient;
  workspace: WorkspaceInfo;
  diagnostics: ApiDiagnostic[];
  /** The VM's kernel crash, marked at its line. */
  crash?: CrashInfo;
  /** What the checkers of a checked boot or grade reported, marked at their lines. */
  findings: readonly CheckedFindingInfo[];
  /** A file was saved with Ctrl/Cmd+S (the app builds then). */
  onSaved(path: EditorFile): void;
  onError(text: string, suggestion?: string): void;
  handle: Ref<EditorHandle>;
  /** A debug boot: breakpoints in the gutter, the stopped line highlighted. */
  debug?: DebugGutter;
}

const SEVERITY: Record<ApiDiagnostic['severity'], monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  note: monaco.MarkerSeverity.Info,
  info: monaco.MarkerSeverity.Info,
};
/** Markers from the compiler have this owner; setting them again replaces the last build's. */
const MARKER_OWNER = 'gcc';

export function EditorPane({ client, workspace, diagnostics, crash, findings, onSaved, onError, handle, debug }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [files, setFiles] = useState<EditorFiles | null>(null);
  const [active, setActive] = useState<EditorFile>('kshram.c');
  const [restored, setRestored] = useState<EditorFile[]>([]);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const latest = useRef({ files, active, onSaved, onError });
  latest.current = { files, active, onSaved, onError };
  const revealFile = (file: string, line: number, column: number): void => {
    const target = files?.files.get(file as EditorFile);
    if (!target) return;
    setActive(target.path);
    // the model switch happens on the next render
    requestAnimationFrame(() => {
      const e = editor.current;
      if (!e) return;
      e.revealLineInCenter(line);
      e.setPosition({ lineNumber: line, column: Math.max(1, column) });
      e.focus();
    });
  };
  const lsp = useLanguageServer({ client, editor, files, revealWorkspaceFile: revealFile });

  // the editor itself lives as long as the pane
  useEffect(() => {
    const instance = monaco.editor.create(host.current!, {
      theme: THEME,
      automaticLayout: true,
      fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      // kernel style: tabs, eight wide
      insertSpaces: false,
      tabSize: 8,
      detectIndentation: false,
      renderWhitespace: 'selection',
      rulers: [80],
      fixedOverflowWidgets: true,
    });
    const save = async (): Promise<void> => {
      const { files: current, active: path } = latest.current;
      if (!current) return;
      try {
        await current.save(path);
        latest.current.onSaved(path);
      } catch (err) {
        const data = errorData(err);
        latest.current.onError(`Could not save ${path}: ${data.message}`, data.suggestion);
      }
    };
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void save());
    editor.current = instance;
    return () => {
      instance.dispose();
      editor.current = null;
    };
  }, []);

  // a workspace brings its own files; the old ones are put away (drafts kept)
  useEffect(() => {
    const loaded = new EditorFiles(client, workspace, redraw);
    let cancelled = false;
    setFiles(null);
    loaded
      .load()
      .then((restoredPaths) => {
        if (cancelled) return;
        setFiles(loaded);
        setRestored(restoredPaths);
        setActive('kshram.c');
      })
      .catch((err) => {
        const data = errorData(err);
        onError(`Could not read the workspace: ${data.message}`, data.suggestion);
      });
    return () => {
      cancelled = true;
      loaded.dispose();
    };
    // reload only when the workspace changes (onError may be a new function each render)
  }, [client, workspace.dir]);

  useEffect(() => {
    const model = lsp.activeHeader?.model ?? files?.files.get(active)?.model ?? null;
    // kit headers opened by go-to-definition are for reading. Set before the model: Monaco's quick fixes
    // decide whether a model can have any when it is set (back from a header, they would stay off)
    editor.current?.updateOptions({ readOnly: !!lsp.activeHeader, readOnlyMessage: { value: HEADER_READ_ONLY } });
    editor.current?.setModel(model);
  }, [files, active, lsp.activeHeader]);
  useDebugGutter(editor, active, files?.files.get(active)?.model ?? null, debug);

  useEffect(() => {
    if (!files) return;
    for (const file of files.files.values()) {
      const markers = diagnostics
        .filter((d) => d.file === file.path)
        .map((d) => {
          const line = Math.min(Math.max(1, d.line), file.model.getLineCount());
          return {
            severity: SEVERITY[d.severity],
            message: d.message,
            source: 'gcc',
            startLineNumber: line,
            startColumn: Math.max(1, d.column),
            endLineNumber: line,
            endColumn: file.model.getLineMaxColumn(line),
          };
        });
      monaco.editor.setModelMarkers(file.model, MARKER_OWNER, markers);
    }
  }, [files, diagnostics]);

  useCrashMarker(files, crash);
  useFindingMarkers(files, findings);

  useImperativeHandle(
    handle,
    () => ({
      saveAll: async () => (files ? files.saveAll() : []),
      dirtyPaths: () => files?.dirtyPaths() ?? [],
      reveal: (file, line, column) => {
        lsp.showHeader(undefined);
        revealFile(file, line, column);
      },
    }),
    [files, lsp.showHeader],
  );

  // closing or reloading the window with unsaved edits asks first (the drafts are kept anyway)
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent): void => {
      if (latest.current.files?.dirtyPaths().length) event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  const discard = (path: EditorFile): void => {
    if (window.confirm(`Discard your unsaved changes to ${path}? This cannot be undone.`)) {
      files?.discard(path);
      setRestored((r) => r.filter((p) => p !== path));
    }
  };

  // once saved (or undone), a restored draft is just the file
  const shownRestored = restored.filter((p) => files?.isDirty(p));

  const counts = (path: EditorFile): { errors: number; warnings: number } => ({
    errors: diagnostics.filter((d) => d.file === path && d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.file === path && d.severity === 'warning').length,
  });

  return (
    <div className="editor-pane">
      <div className="tabs" role="tablist">
        {workspace.files.map(({ path }) => {
          const file = files?.files.get(path);
          const dirty = !!files?.isDirty(path);
          const { errors, warnings } = counts(path);
          return (
            <button key={path} role="tab" aria-selected={active === path} className={`tab${active === path ? ' active' : ''}${file && !file.exists ? ' missing' : ''}`} data-testid={`tab-${path}`} onClick={() => (setActive(path), lsp.showHeader(undefined))} title={file && !file.exists ? `${path} is not in the workspace; saving creates it` : path}>
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
        {files && files.isDirty(active) && (
          <button className="link-button" onClick={() => discard(active)} title="Throw away the unsaved changes of this file">
            Discard changes
          </button>
        )}
      </div>
      {shownRestored.length > 0 && (
        <div className="inline-notice">
          Restored unsaved changes to {shownRestored.join(', ')} from your last session.
          <button className="link-button" onClick={() => setRestored([])}>
            Keep them
          </button>
          {shownRestored.map((p) => (
            <button key={p} className="link-button" onClick={() => discard(p)}>
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
      <div className="editor-host" ref={host} data-testid="editor" />
    </div>
  );
}
