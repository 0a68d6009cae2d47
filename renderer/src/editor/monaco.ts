/**
 * Monaco, bundled from the local monaco-editor package (no CDN): the
 * editor core, the features a C editor wants, C and a small Makefile
 * grammar, the one web worker it needs, and a theme matching the terminal.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
// Ctrl+M: Tab moves the focus instead of inserting a tab, the way out of the editor by keyboard
import 'monaco-editor/features/toggleTabFocusMode/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/languages/definitions/cpp/register';
// before the first monaco.editor call below: the services these register are read once, then
import './lsp/features';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

/** kbuild Makefiles: comments, variables, conditionals, targets. */
monaco.languages.register({ id: 'makefile', filenames: ['Makefile', 'Kbuild'] });
monaco.languages.setMonarchTokensProvider('makefile', {
  tokenizer: {
    root: [
      [/#.*$/, 'comment'],
      [/^\s*(ifeq|ifneq|ifdef|ifndef|else|endif|include|export|override|define|endef)\b/, 'keyword'],
      [/\$[({][^)}]*[)}]/, 'variable'],
      [/^[\w.$()/-]+(?=\s*:(?!=))/, 'type'],
      [/^\s*[\w-]+(?=\s*[:+?]?=)/, 'variable.name'],
      [/[:+?]?=/, 'operator'],
    ],
  },
});

export const THEME = 'kshram-dark';
monaco.editor.defineTheme(THEME, {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#1e1e1e', 'editorGutter.background': '#1e1e1e' },
});

/**
 * Monaco picks its keys by platform, and on Linux peek definition is Ctrl+Shift+F10 and Format Document
 * Ctrl+Shift+I. Alt+F12 and Shift+Alt+F, the keys VS Code uses on Windows and macOS (and the README
 * gives), work here too.
 */
monaco.editor.addKeybindingRules([
  { keybinding: monaco.KeyMod.Alt | monaco.KeyCode.F12, command: 'editor.action.peekDefinition', when: 'editorTextFocus' },
  { keybinding: monaco.KeyMod.Shift | monaco.KeyMod.Alt | monaco.KeyCode.KeyF, command: 'editor.action.formatDocument', when: 'editorTextFocus' },
]);

export function languageOf(path: string): string {
  if (/\.[ch]$/.test(path)) return 'c';
  if (/(^|\/)(Makefile|Kbuild)$/.test(path)) return 'makefile';
  return 'plaintext';
}

export { monaco };
