/**
 * The workbench's keyboard shortcuts, in one table: the keys (as VS Code
 * has them where it has them), what they do in words, and where the help
 * overlay and the tooltips read them from.
 */
export type ShortcutId = 'build' | 'boot' | 'debug' | 'stop' | 'grade' | 'submit' | 'terminal' | 'problems' | 'output' | 'gdb' | 'editor' | 'nextPart' | 'previousPart' | 'help';

export interface Shortcut {
  id: ShortcutId;
  /** As shown to the student: "Ctrl+Shift+B". */
  keys: string;
  /** What it does, for the help overlay. */
  does: string;
  /** The key as KeyboardEvent.key reports it (lower case for letters). */
  key: string;
  ctrl?: boolean;
  shift?: boolean;
  alt?: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'build', keys: 'Ctrl+Shift+B', does: 'Save and build kshram.c', key: 'b', ctrl: true, shift: true },
  { id: 'boot', keys: 'Ctrl+F5', does: 'Boot (save, build, start Linux with your module)', key: 'F5', ctrl: true },
  { id: 'debug', keys: 'F5', does: 'Debug boot (gdb attached)', key: 'F5' },
  { id: 'stop', keys: 'Shift+F5', does: 'Stop the VM', key: 'F5', shift: true },
  { id: 'grade', keys: 'Ctrl+Shift+G', does: 'Grade in a fresh VM, like the course server', key: 'g', ctrl: true, shift: true },
  { id: 'submit', keys: 'Ctrl+Shift+Enter', does: 'Submit to the course server', key: 'Enter', ctrl: true, shift: true },
  { id: 'terminal', keys: 'Ctrl+`', does: 'Show and focus the terminal', key: '`', ctrl: true },
  { id: 'problems', keys: 'Ctrl+Shift+M', does: 'Show Problems', key: 'm', ctrl: true, shift: true },
  { id: 'output', keys: 'Ctrl+Shift+U', does: 'Show the build output', key: 'u', ctrl: true, shift: true },
  { id: 'gdb', keys: 'Ctrl+Shift+Y', does: "Show gdb's console (debug boot)", key: 'y', ctrl: true, shift: true },
  { id: 'editor', keys: 'Ctrl+1', does: 'Focus the editor', key: '1', ctrl: true },
  { id: 'nextPart', keys: 'F6', does: 'Move the focus to the next part (toolbar, editor, panel, side column)', key: 'F6' },
  { id: 'previousPart', keys: 'Shift+F6', does: 'Move the focus to the previous part', key: 'F6', shift: true },
  { id: 'help', keys: 'F1 or ?', does: 'Show these shortcuts', key: 'F1' },
];

/** Keys that work inside the editor and the terminal too, as listed here, not only elsewhere. */
export const EDITOR_KEYS: readonly { keys: string; does: string }[] = [
  { keys: 'Ctrl+S', does: 'Save and build (anywhere, also in the terminal)' },
  { keys: 'Ctrl+M', does: 'Toggle whether Tab in the editor moves the focus or inserts a tab' },
  { keys: 'Shift+Tab (terminal)', does: 'Leave the terminal (Tab itself goes to the guest)' },
  { keys: 'F12 / Alt+F12 / Shift+F12', does: 'Go to definition / peek / references (clangd)' },
  { keys: 'Ctrl+Shift+O', does: 'Go to a function in kshram.c' },
  { keys: 'Ctrl+.', does: "clangd's quick fixes" },
];

type KeyEventLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** The shortcut a key event means, if any (Cmd counts as Ctrl on a Mac). */
export function shortcutOf(event: KeyEventLike): Shortcut | undefined {
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  return SHORTCUTS.find((s) => s.key.toLowerCase() === key.toLowerCase() && !!s.ctrl === ctrl && !!s.shift === event.shiftKey && !!s.alt === event.altKey);
}

/** "Build (Ctrl+Shift+B)": a tooltip with its key. */
export function withKeys(text: string, id: ShortcutId): string {
  const shortcut = SHORTCUTS.find((s) => s.id === id);
  return shortcut ? `${text} (${shortcut.keys})` : text;
}
