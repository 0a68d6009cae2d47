import { useEffect, useRef, useState, type RefObject } from 'react';
import type { LabClient, LspStatus } from '../../../../app/api';
import { errorData } from '../../client/errors';
import type { EditorFiles } from '../files';
import { monaco } from '../monaco';
import { ClangdMarkers } from './diagnostics';
import { LanguageClient } from './language-client';
import { registerProviders } from './providers';

/** What typing into a kit header says. */
export const HEADER_READ_ONLY = "This is one of the kit's headers: read-only.";

/** A kit header fetched for a definition, peek or reference; shown in a read-only tab once opened. */
export interface HeaderTab {
  uri: string;
  label: string;
  /** Where it is on disk (which kit's headers). */
  path: string;
  model: monaco.editor.ITextModel;
}

export interface LanguageServer {
  status: LspStatus | undefined;
  /** clangd's errors now shown (those a build already reported are not counted twice). */
  errors: number;
  /** Said once when clangd cannot run: how to get it. */
  notice: string | undefined;
  dismissNotice(): void;
  headers: HeaderTab[];
  /** The header shown instead of a workspace file, if any. */
  activeHeader: HeaderTab | undefined;
  showHeader(uri: string | undefined): void;
  closeHeader(uri: string): void;
}

interface Options {
  client: LabClient;
  editor: RefObject<monaco.editor.IStandaloneCodeEditor | null>;
  files: EditorFiles | null;
  /** Shows a workspace file at a position (the pane's own tabs). */
  revealWorkspaceFile(path: string, line: number, column: number): void;
}

/**
 * clangd in the editor: the language client for the open workspace, the
 * Monaco providers, clangd's markers, and the read-only tabs of kit
 * headers that go-to-definition opens. EditorPane only renders what this
 * returns.
 */
export function useLanguageServer({ client, editor, files, revealWorkspaceFile }: Options): LanguageServer {
  const [status, setStatus] = useState<LspStatus>();
  const [errors, setErrors] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [headers, setHeaders] = useState<HeaderTab[]>([]);
  const [activeUri, setActiveUri] = useState<string>();
  const latest = useRef({ revealWorkspaceFile });
  latest.current = { revealWorkspaceFile };

  // one client per workspace's files: started when they are loaded, stopped when they go
  useEffect(() => {
    if (!files) return;
    let told = false;
    // every kit header fetched for this clangd, with a tab or not (a peek shows one without opening it); they live
    // until clangd restarts on another kit or the workspace closes, so a peek never shows a disposed model
    const loaded = new Map<string, HeaderTab>();
    const dropHeaders = (): void => {
      setActiveUri(undefined);
      setHeaders([]);
      const models = [...loaded.values()].map((h) => h.model);
      loaded.clear();
      // after the pane has let go of them
      requestAnimationFrame(() => models.forEach((m) => m.dispose()));
    };
    const markers = new ClangdMarkers(setErrors);
    const lsp = new LanguageClient(client, {
      onStatus: (s) => {
        setStatus(s);
        if (s.state === 'unavailable' && !told) {
          told = true;
          setNotice(s.message);
        }
        if (s.state !== 'running') markers.clear();
        // clangd's names, not every word of the file (comments mention kzalloc too)
        editor.current?.updateOptions({ wordBasedSuggestions: s.state === 'running' ? 'off' : 'currentDocument' });
        // a new clangd means new headers (another kit): the old ones' tabs go
        if (s.state === 'starting') dropHeaders();
      },
      onDiagnostics: (params) => markers.publish(params),
    });
    const pending = new Map<string, Promise<monaco.Uri | undefined>>();
    const ensureModel = (uri: string): Promise<monaco.Uri | undefined> => {
      const parsed = monaco.Uri.parse(uri);
      if (monaco.editor.getModel(parsed)) return Promise.resolve(parsed);
      let loading = pending.get(parsed.toString());
      if (!loading) {
        loading = client
          .invoke('lsp.readFile', { uri })
          .then((file) => {
            const model = monaco.editor.getModel(parsed) ?? monaco.editor.createModel(file.content, 'c', parsed);
            loaded.set(parsed.toString(), { uri: parsed.toString(), label: file.label, path: file.path, model });
            return parsed;
          })
          .catch(() => undefined)
          .finally(() => pending.delete(parsed.toString()));
        pending.set(parsed.toString(), loading);
      }
      return loading;
    };
    const providers = registerProviders({ lsp, client, ensureModel });
    const opener = monaco.editor.registerEditorOpener({
      openCodeEditor: (_source, resource, selection) => {
        const uri = resource.toString();
        const at = selection && 'startLineNumber' in selection ? { line: selection.startLineNumber, column: selection.startColumn } : selection ? { line: selection.lineNumber, column: selection.column } : { line: 1, column: 1 };
        const workspaceFile = [...files.files.values()].find((f) => f.model.uri.toString() === uri);
        if (workspaceFile) {
          setActiveUri(undefined);
          latest.current.revealWorkspaceFile(workspaceFile.path, at.line, at.column);
          return true;
        }
        const header = loaded.get(uri);
        if (!header || header.model.isDisposed()) return false;
        setHeaders((list) => (list.some((h) => h.uri === uri) ? list : [...list, header]));
        const reveal = (e: monaco.editor.IStandaloneCodeEditor): void => {
          e.revealLineInCenter(at.line);
          e.setPosition({ lineNumber: at.line, column: at.column });
          e.focus();
        };
        const e = editor.current;
        if (e?.getModel()?.uri.toString() === uri) reveal(e);
        else if (e) {
          // the pane switches models on its next render
          const once = e.onDidChangeModel(() => {
            once.dispose();
            if (e.getModel()?.uri.toString() === uri) reveal(e);
          });
        }
        setActiveUri(uri);
        return true;
      },
    });
    // a header shown in a peek is as read-only as in its tab (the pane sets that on its own editor)
    const readOnlyPeeks = monaco.editor.onDidCreateEditor((e) => {
      if (e === editor.current) return;
      e.onDidChangeModel(() => {
        const uri = e.getModel()?.uri.toString();
        e.updateOptions({ readOnly: !!uri && loaded.has(uri), readOnlyMessage: { value: HEADER_READ_ONLY } });
      });
    });
    for (const file of files.files.values()) if (/\.[ch]$/.test(file.path)) void lsp.open(file.model);
    void lsp.current().catch((err) => setStatus({ state: 'failed', generation: -1, message: errorData(err).message }));
    return () => {
      opener.dispose();
      readOnlyPeeks.dispose();
      providers.dispose();
      markers.dispose();
      lsp.dispose();
      dropHeaders();
    };
  }, [client, files, editor]);

  const activeHeader = headers.find((h) => h.uri === activeUri);
  return {
    status,
    errors,
    notice,
    dismissNotice: () => setNotice(undefined),
    headers,
    activeHeader,
    showHeader: setActiveUri,
    // the model stays (see `loaded`): F12 or a peek shows it again at once
    closeHeader: (uri) => {
      setHeaders((list) => list.filter((h) => h.uri !== uri));
      if (activeUri === uri) setActiveUri(undefined);
    },
  };
}
