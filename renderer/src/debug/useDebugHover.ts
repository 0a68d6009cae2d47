import { useEffect, useRef, type RefObject } from 'react';
import { monaco } from '../editor/monaco';
import { expressionAt } from './expression';
import type { DebugGutter } from './useDebugGutter';

/** The language kshram.c and kshram.h are edited in. */
const LANGUAGE = 'c';

/**
 * While the guest is stopped, hovering a variable in the editor shows its
 * value in the Call Stack's selected frame (gdb evaluates it; a member
 * chain like slot->size as a whole). Beside clangd's hover, not instead.
 */
export function useDebugHover(editor: RefObject<monaco.editor.IStandaloneCodeEditor | null>, model: monaco.editor.ITextModel | null, debug: DebugGutter | undefined): void {
  const stopped = debug?.state?.phase === 'stopped' && !!debug.state.stop?.stack;
  const latest = useRef(debug);
  latest.current = debug;

  useEffect(() => {
    if (!stopped) return;
    const provider = monaco.languages.registerHoverProvider(LANGUAGE, {
      provideHover: async (hovered, position) => {
        const current = latest.current;
        if (!current || hovered !== model || editor.current?.getModel() !== hovered) return undefined;
        const at = expressionAt(hovered.getLineContent(position.lineNumber), position.column);
        if (!at) return undefined;
        const value = await current.client.invoke('debug.evaluate', { frame: current.frameLevel, expression: at.expression }).catch(() => undefined);
        // not a variable here (a type, a macro, a function): clangd's hover says what it is
        if (!value || value.error) return undefined;
        return {
          range: new monaco.Range(position.lineNumber, at.start, position.lineNumber, at.end),
          contents: [{ value: `\`${at.expression}\` = \`${value.value}\`${value.type ? ` *(${value.type})*` : ''}` }],
        };
      },
    });
    return () => provider.dispose();
  }, [editor, model, stopped]);
}
