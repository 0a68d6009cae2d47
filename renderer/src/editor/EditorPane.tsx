import { useEffect, useImperativeHandle, useReducer, useRef, useState, type Ref } from 'react';
import type { ApiDiagnostic, CheckedFindingInfo, EditorFile, LabClient, WorkspaceInfo } from '../../../app/api';
import type { ShownCrash } from '../crash/crashes';
import { useCrashMarkers } from '../crash/useCrashMarker';
import { useFindingMarkers } from '../checked/useFindingMarkers';
import { errorData } from '../client/errors';
import { useDebugGutter, type DebugGutter } from '../debug/useDebugGutter';
import { EditorFiles } from './files';
import { EditorNotices } from './EditorNotices';
import { EditorTabs } from './EditorTabs';
import { HEADER_READ_ONLY, useLanguageServer } from './lsp/use-language-server';
import { useDiagnosticMarkers } from './useDiagnosticMarkers';
import { useMonacoEditor } from './useMonacoEditor';

export interface EditorHandle {
  /** Saves every modified tab; resolves with the files written. */
  saveAll(): Promise<EditorFile[]>;
  dirtyPaths(): EditorFile[];
  /** Shows a file at a line, e.g. from the Problems list. */
  reveal(file: string, line: number, column: number): void;
  focus(): void;
}

interface Props {
  client: LabClient;
  workspace: WorkspaceInfo;
  diagnostics: ApiDiagnostic[];
  /** Kernel crashes (the boot's, the grade's), marked at their lines. */
  crashes: readonly ShownCrash[];
  /** What the checkers of a checked boot or grade reported, marked at their lines. */
  findings: readonly CheckedFindingInfo[];
  /** A file was saved with Ctrl/Cmd+S (the app builds then). */
  onSaved(path: EditorFile): void;
  onError(text: string, suggestion?: string): void;
  handle: Ref<EditorHandle>;
  /** A debug boot: breakpoints in the gutter, the stopped line highlighted. */
  debug?: DebugGutter;
}

export function EditorPane({ client, workspace, diagnostics, crashes, findings, onSaved, onError, handle, debug }: Props) {
  const host = useRef<HTMLDivElement>(null);
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
  const editor = useMonacoEditor(host, () => void save());
  const lsp = useLanguageServer({ client, editor, files, revealWorkspaceFile: revealFile });

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

  useDiagnosticMarkers(files, diagnostics);
  useCrashMarkers(files, crashes);
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
      focus: () => editor.current?.focus(),
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

  return (
    <div className="editor-pane">
      <EditorTabs workspace={workspace} files={files} active={active} diagnostics={diagnostics} lsp={lsp} onSelect={(path) => (setActive(path), lsp.showHeader(undefined))} onDiscard={discard} />
      <EditorNotices files={files} active={active} lsp={lsp} restored={shownRestored} onKeepRestored={() => setRestored([])} onDiscard={discard} />
      <div className="editor-host" ref={host} data-testid="editor" data-focus-first />
    </div>
  );
}
