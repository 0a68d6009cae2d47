import { useEffect, useRef, type RefObject } from 'react';
import type { DebugFrame, DebugState, EditorFile, LabClient, SavedBreakpoint } from '../../../app/api';
import { monaco } from '../editor/monaco';
import { useDebugHover } from './useDebugHover';
import './debug.css';

export interface DebugGutter {
  client: LabClient;
  /** A debug boot's gdb; undefined (or ended) when none runs. */
  state?: DebugState;
  /** The workspace's breakpoints, shown hollow while no debug boot has them in gdb. */
  saved: SavedBreakpoint[];
  /** The Call Stack's selected frame: its line is marked, the hover reads its variables. */
  frame?: DebugFrame;
  frameLevel: number;
  /** A click in the gutter of `file` at `line`: set a breakpoint there, or clear it. */
  onToggle(file: EditorFile, line: number): void;
}

type Dot = { line: number; className: string; hover: string };

/** What the gutter shows: gdb's breakpoints in a debug boot, else the workspace's, hollow. */
function dots(file: EditorFile, debug: DebugGutter): Dot[] {
  const live = debug.state && debug.state.phase !== 'ended' ? debug.state : undefined;
  if (!live) {
    return debug.saved.filter((b) => b.file === file).map((b) => ({ line: b.line, className: 'debug-breakpoint pending', hover: 'breakpoint (set: it stops the guest in a Debug boot)' }));
  }
  return live.breakpoints.flatMap((bp) =>
    bp.file === file && bp.line ? [{ line: bp.line, className: bp.pending ? 'debug-breakpoint pending' : 'debug-breakpoint', hover: bp.pending ? `breakpoint ${bp.id} (pending: takes effect when kshram.ko is loaded)` : `breakpoint ${bp.id}` }] : [],
  );
}

/**
 * Breakpoints as red dots in the editor's gutter (hollow until a debug
 * boot sets them), a gutter click toggling one at any time, the line the
 * guest is stopped at highlighted and the Call Stack's selected frame's
 * line marked: the debugger's view in the editor, kept out of EditorPane.
 */
export function useDebugGutter(editor: RefObject<monaco.editor.IStandaloneCodeEditor | null>, file: EditorFile, model: monaco.editor.ITextModel | null, debug: DebugGutter | undefined): void {
  const latest = useRef({ file, debug });
  latest.current = { file, debug };
  const enabled = !!debug;

  // the gutter takes clicks whenever a workspace is open: breakpoints are kept between debug boots
  useEffect(() => {
    const instance = editor.current;
    if (!instance) return;
    instance.updateOptions({ glyphMargin: enabled });
    if (!enabled) return;
    const sub = instance.onMouseDown((event) => {
      const { type, position } = event.target;
      if (!position || (type !== monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN && type !== monaco.editor.MouseTargetType.GUTTER_LINE_NUMBERS)) return;
      latest.current.debug?.onToggle(latest.current.file, position.lineNumber);
    });
    return () => sub.dispose();
  }, [editor, enabled]);

  const state = debug?.state;
  const saved = debug?.saved;
  const frame = debug?.frame;
  useEffect(() => {
    const instance = editor.current;
    if (!instance || !model || instance.getModel() !== model || !debug) return;
    const lines = model.getLineCount();
    const decorations: monaco.editor.IModelDeltaDecoration[] = dots(file, debug)
      .filter((d) => d.line <= lines)
      .map((d) => ({ range: new monaco.Range(d.line, 1, d.line, 1), options: { glyphMarginClassName: d.className, glyphMarginHoverMessage: { value: d.hover } } }));
    const stop = state?.phase === 'stopped' ? state.stop : undefined;
    if (stop?.file === file && stop.line && stop.line <= lines) {
      decorations.push({ range: new monaco.Range(stop.line, 1, stop.line, 1), options: { isWholeLine: true, className: 'debug-stopped-line', glyphMarginClassName: 'debug-stopped-arrow' } });
    }
    // a caller selected in the Call Stack: its line, where the call is
    const caller = stop && frame && frame.level > 0 && frame.file === file && frame.line && frame.line <= lines ? frame.line : undefined;
    if (caller) decorations.push({ range: new monaco.Range(caller, 1, caller, 1), options: { isWholeLine: true, className: 'debug-frame-line', glyphMarginClassName: 'debug-frame-arrow' } });
    const collection = instance.createDecorationsCollection(decorations);
    const shown = caller ?? (stop?.file === file ? stop.line : undefined);
    if (shown) instance.revealLineInCenterIfOutsideViewport(shown);
    return () => collection.clear();
  }, [editor, model, file, state, saved, frame]);

  useDebugHover(editor, model, debug);
}
