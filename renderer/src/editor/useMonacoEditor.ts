import { useEffect, useRef, type RefObject } from 'react';
import { monaco, THEME } from './monaco';

/** Monaco 0.57 implements suggest.fitWidthToDetails (editorOptions.js) but its editor.api.d.ts does not declare it yet. */
interface SuggestOptions extends monaco.editor.ISuggestOptions {
  fitWidthToDetails?: boolean;
}
const SUGGEST: SuggestOptions = {
  // the list grows (up to the editor's width) to show a kernel function's whole parameter list
  fitWidthToDetails: true,
};

/** The editor's look and the kernel's style: tabs, eight wide, a ruler at 80. */
const OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  theme: THEME,
  automaticLayout: true,
  fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
  fontSize: 13,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  insertSpaces: false,
  tabSize: 8,
  detectIndentation: false,
  renderWhitespace: 'selection',
  rulers: [80],
  fixedOverflowWidgets: true,
  suggest: SUGGEST,
};

/**
 * One Monaco editor in `host` for as long as the component lives; Ctrl/Cmd+S
 * in it calls the latest `onSave`.
 */
export function useMonacoEditor(host: RefObject<HTMLDivElement | null>, onSave: () => void): RefObject<monaco.editor.IStandaloneCodeEditor | null> {
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const save = useRef(onSave);
  save.current = onSave;
  useEffect(() => {
    const instance = monaco.editor.create(host.current!, OPTIONS);
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => save.current());
    editor.current = instance;
    return () => {
      instance.dispose();
      editor.current = null;
    };
  }, [host]);
  return editor;
}
