import { useEffect } from 'react';
import type { CrashInfo } from '../../../app/api';
import type { EditorFiles } from '../editor/files';
import { monaco } from '../editor/monaco';

/** Markers of the kernel's crash have this owner, apart from gcc's. */
const MARKER_OWNER = 'kernel';
/** The hover shows the start of the report: the title, the task, RIP and the first frames. */
const HOVER_REPORT_LINES = 14;

/** The hover text: the crash in one line, then the report's first lines. */
export function crashHoverText(crash: CrashInfo): string {
  const head = crash.slotView ?? (crash.task ? `The kernel crashed here while ${crash.task} was running.` : 'The kernel crashed here.');
  const report = crash.report.split('\n').slice(0, HOVER_REPORT_LINES).join('\n');
  return `${crash.summary}\n${head}\n\n${report}`;
}

/**
 * An error marker on the line of the student's code where the kernel
 * crashed (decoded from the loaded .ko), hovering with the report's first
 * lines. It goes when the crash does (the next boot or a stop).
 */
export function useCrashMarker(files: EditorFiles | null, crash: CrashInfo | undefined): void {
  useEffect(() => {
    if (!files) return;
    for (const file of files.files.values()) {
      const location = crash?.location?.file === file.path ? crash.location : undefined;
      if (!location || !crash) {
        monaco.editor.setModelMarkers(file.model, MARKER_OWNER, []);
        continue;
      }
      const model = file.model;
      const line = Math.min(Math.max(1, location.line), model.getLineCount());
      monaco.editor.setModelMarkers(model, MARKER_OWNER, [
        {
          severity: monaco.MarkerSeverity.Error,
          message: crashHoverText(crash),
          source: 'kernel',
          startLineNumber: line,
          startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
          endLineNumber: line,
          endColumn: model.getLineMaxColumn(line),
        },
      ]);
    }
  }, [files, crash]);
}
