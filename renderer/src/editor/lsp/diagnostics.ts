import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { monaco } from '../monaco';
import { toMarker } from './convert';

/** clangd's markers have this owner, apart from the build's (EditorPane's "gcc"). */
export const CLANGD_MARKER_OWNER = 'clangd';
const GCC_MARKER_OWNER = 'gcc';

/**
 * clangd's diagnostics as you type, as markers of their own. Once a build
 * has put gcc's markers on a line, clangd's on that line are left out, so
 * one mistake is never listed twice (the build's message is the one the
 * grader sees); they come back when the build's markers go.
 */
export class ClangdMarkers {
  private readonly latest = new Map<string, Diagnostic[]>();
  /** The gcc lines each model's clangd markers were last filtered against. */
  private readonly filteredAgainst = new Map<string, string>();
  private readonly subscription: monaco.IDisposable;
  private readonly counts = new Map<string, number>();

  constructor(private readonly onCount: (errors: number) => void) {
    this.subscription = monaco.editor.onDidChangeMarkers((uris) => {
      // Not while the event is being delivered: Monaco's marker service drops a change made by one of its
      // listeners (it queues it, then clears the queue once delivery ends), so the editor's decorations, and
      // with them the hover, would keep the clangd marker that this withdraws
      queueMicrotask(() => {
        for (const uri of uris) if (this.latest.has(uri.toString())) this.apply(uri.toString());
      });
    });
  }

  publish(params: PublishDiagnosticsParams): void {
    const uri = monaco.Uri.parse(params.uri).toString();
    this.latest.set(uri, params.diagnostics);
    this.filteredAgainst.delete(uri);
    this.apply(uri);
  }

  private apply(uri: string): void {
    const model = monaco.editor.getModel(monaco.Uri.parse(uri));
    if (!model) return;
    const gccLines = [...new Set(monaco.editor.getModelMarkers({ owner: GCC_MARKER_OWNER, resource: model.uri }).map((m) => m.startLineNumber))].sort((a, b) => a - b);
    const key = gccLines.join(',');
    if (this.filteredAgainst.get(uri) === key) return; // nothing changed (our own markers fired this)
    this.filteredAgainst.set(uri, key);
    const hidden = new Set(gccLines);
    const shown = (this.latest.get(uri) ?? []).filter((d) => !hidden.has(d.range.start.line + 1));
    monaco.editor.setModelMarkers(model, CLANGD_MARKER_OWNER, shown.map(toMarker));
    this.counts.set(uri, shown.filter((d) => (d.severity ?? 1) === 1).length);
    this.onCount([...this.counts.values()].reduce((a, b) => a + b, 0));
  }

  clear(): void {
    for (const uri of this.latest.keys()) {
      const model = monaco.editor.getModel(monaco.Uri.parse(uri));
      if (model) monaco.editor.setModelMarkers(model, CLANGD_MARKER_OWNER, []);
    }
    this.latest.clear();
    this.filteredAgainst.clear();
    this.counts.clear();
    this.onCount(0);
  }

  dispose(): void {
    this.subscription.dispose();
    this.clear();
  }
}
