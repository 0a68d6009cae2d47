import { useEffect, useRef, type RefObject } from 'react';
import type { DebugState, EditorFile } from '../../../app/api';
import { monaco } from '../editor/monaco';
import './debug.css';

export interface DebugGutter {
  state?: DebugState;
  /** A click in the gutter of `file` at `line`: set a breakpoint there, or clear it. */
  onToggle(file: EditorFile, line: number): void;
}

/**
 * Breakpoints as red dots in the editor's gutter, the line the guest is
 * stopped at highlighted, and a gutter click toggling a breakpoint: the
 * debug boot's view in the editor, kept out of EditorPane.
 */
export function useDebugGutter(editor: RefObject<monaco.editor.IStandaloneCodeEditor | null>, file: EditorFile, model: monaco.editor.ITextModel | null, debug: DebugGutter | undefined): void {
  const latest = useRef({ file, debug });
  latest.current = { file, debug };
  const live = !!debug?.state && debug.state.phase !== 'ended';

  // the gutter takes clicks only while a debug boot runs
  useEffect(() => {
    const instance = editor.current;
    if (!instance) return;
    instance.updateOptions({ glyphMargin: live });
    if (!live) return;
    const sub = instance.onMouseDown((event) => {
      const { type, position } = event.target;
      if (!position || (type !== monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN && type !== monaco.editor.MouseTargetType.GUTTER_LINE_NUMBERS)) return;
      latest.current.debug?.onToggle(latest.current.file, position.lineNumber);
    });
    return () => sub.dispose();
  }, [editor, live]);

  const state = debug?.state;
  useEffect(() => {
    const instance = editor.current;
    if (!instance || !model || instance.getModel() !== model) return;
    const decorations: monaco.editor.IModelDeltaDecoration[] = [];
    if (state && state.phase !== 'ended') {
      for (const bp of state.breakpoints) {
        if (bp.file !== file || !bp.line || bp.line > model.getLineCount()) continue;
        decorations.push({
          range: new monaco.Range(bp.line, 1, bp.line, 1),
          options: { glyphMarginClassName: bp.pending ? 'debug-breakpoint pending' : 'debug-breakpoint', glyphMarginHoverMessage: { value: bp.pending ? `breakpoint ${bp.id} (pending: takes effect when kshram.ko is loaded)` : `breakpoint ${bp.id}` } },
        });
      }
      const stop = state.phase === 'stopped' ? state.stop : undefined;
      if (stop?.file === file && stop.line && stop.line <= model.getLineCount()) {
        decorations.push({ range: new monaco.Range(stop.line, 1, stop.line, 1), options: { isWholeLine: true, className: 'debug-stopped-line', glyphMarginClassName: 'debug-stopped-arrow' } });
      }
    }
    const collection = instance.createDecorationsCollection(decorations);
    const stopLine = state?.phase === 'stopped' && state.stop?.file === file ? state.stop.line : undefined;
    if (stopLine) instance.revealLineInCenterIfOutsideViewport(stopLine);
    return () => collection.clear();
  }, [editor, model, file, state]);
}
