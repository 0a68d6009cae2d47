import { useEffect } from 'react';
import type { CheckedFindingInfo } from '../../../app/api';
import type { EditorFiles } from '../editor/files';
import { monaco } from '../editor/monaco';

/** Checker findings have their own owner, apart from gcc's and the crash's markers. */
const MARKER_OWNER = 'checker';
/** The hover shows the start of the report: its title and first frames. */
const HOVER_REPORT_LINES = 12;

/** "KASAN (no points lost): BUG: KASAN: slab-out-of-bounds in …", then the report's first lines. */
export function findingHoverText(finding: CheckedFindingInfo): string {
  const times = finding.count > 1 && finding.kind !== 'kmemleak' ? ` (${finding.count} times)` : '';
  const report = finding.report.split('\n').slice(0, HOVER_REPORT_LINES).join('\n');
  const meaning = finding.explanation ? `\nAt this line: ${finding.explanation}.` : '';
  return `${finding.label}${times} — a checked run's note, no points lost: ${finding.title}${meaning}\n\n${report}`;
}

/**
 * A warning marker at each line of the student's code a checker (KASAN,
 * lockdep, kmemleak, SLUB, ...) pointed at in a checked boot or grade.
 * Warnings, not errors: the module works as far as the course's server
 * can tell, but the kernel says it is wrong.
 */
export function useFindingMarkers(files: EditorFiles | null, findings: readonly CheckedFindingInfo[]): void {
  useEffect(() => {
    if (!files) return;
    for (const file of files.files.values()) {
      const model = file.model;
      const here = findings.filter((f) => f.location?.file === file.path);
      monaco.editor.setModelMarkers(
        model,
        MARKER_OWNER,
        here.map((finding) => {
          const line = Math.min(Math.max(1, finding.location!.line), model.getLineCount());
          return {
            severity: monaco.MarkerSeverity.Warning,
            message: findingHoverText(finding),
            source: finding.label,
            startLineNumber: line,
            startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
            endLineNumber: line,
            endColumn: model.getLineMaxColumn(line),
          };
        }),
      );
    }
  }, [files, findings]);
}
