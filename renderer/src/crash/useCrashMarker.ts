import { useEffect } from 'react';
import type { CrashInfo } from '../../../app/api';
import type { EditorFiles } from '../editor/files';
import { monaco } from '../editor/monaco';
import { crashSites, type CrashSite, type ShownCrash } from './crashes';

/** Markers of kernel crashes have their own owner, apart from gcc's and the checkers'. */
const MARKER_OWNER = 'kernel';
/** The hover shows the start of the report: the title, the task, RIP and the first frames. */
const HOVER_REPORT_LINES = 14;

/** The hover text: where it came from and what, then the report's first lines. */
export function crashHoverText(crash: CrashInfo, label = 'Boot', site?: CrashSite): string {
  const head = crash.slotView ?? (crash.task ? `The kernel crashed here while ${crash.task} was running.` : 'The kernel crashed here.');
  const inlined = site?.inlined ? `${site.inlined} crashed, inlined into ${site.function} here.` : head;
  const report = crash.report.split('\n').slice(0, HOVER_REPORT_LINES).join('\n');
  return `${label}: ${crash.summary}\n${inlined}\n\n${report}`;
}

/**
 * An error marker on each line of the student's code a crash leads to
 * (decoded from the .ko that was loaded): the crashing line and every
 * call an inlined helper crashed in, hovering with where the crash came
 * from (the boot's VM, the grade's) and the report's first lines. They go
 * when the crashes do (the next boot, the next grade).
 */
export function useCrashMarkers(files: EditorFiles | null, crashes: readonly ShownCrash[]): void {
  useEffect(() => {
    if (!files) return;
    for (const file of files.files.values()) {
      const model = file.model;
      const markers = crashes.flatMap(({ crash, label }) =>
        (crash.location ? crashSites(crash.location) : [])
          .filter((site) => site.file === file.path)
          .map((site) => {
            const line = Math.min(Math.max(1, site.line), model.getLineCount());
            return {
              severity: monaco.MarkerSeverity.Error,
              message: crashHoverText(crash, label, site),
              source: 'kernel',
              startLineNumber: line,
              startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
              endLineNumber: line,
              endColumn: model.getLineMaxColumn(line),
            };
          }),
      );
      monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
    }
  }, [files, crashes]);
}
