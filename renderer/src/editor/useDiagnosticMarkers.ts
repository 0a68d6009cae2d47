import { useEffect } from 'react';
import type { ApiDiagnostic } from '../../../app/api';
import type { EditorFiles } from './files';
import { monaco } from './monaco';

const SEVERITY: Record<ApiDiagnostic['severity'], monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  note: monaco.MarkerSeverity.Info,
  info: monaco.MarkerSeverity.Info,
};
/** Markers from the compiler have this owner; setting them again replaces the last build's. */
const MARKER_OWNER = 'gcc';

/** gcc's errors and warnings of the last build as markers in each file, from the column gcc means to the line's end. */
export function useDiagnosticMarkers(files: EditorFiles | null, diagnostics: readonly ApiDiagnostic[]): void {
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
}
