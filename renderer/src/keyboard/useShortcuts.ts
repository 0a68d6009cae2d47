import { useEffect, useRef } from 'react';
import { shortcutOf, type ShortcutId } from './shortcuts';

export type ShortcutHandlers = Partial<Record<ShortcutId, () => void>>;

/** Where typing is text: `?` is a question mark there, not the help. */
const TYPING = 'input, textarea, select, [contenteditable=true], .monaco-editor, .xterm';
/** The guest's and gdb's terminals: Shift+Tab leaves them (Tab itself is the guest's completion). */
const TERMINAL = '.xterm';

/**
 * The workbench's shortcuts wherever the focus is: the editor and the
 * terminals included, since they are caught before either sees the key
 * (capture phase). A shortcut with no handler (Submit before there is a
 * course server) is left to the page.
 */
export function useShortcuts(handlers: ShortcutHandlers, onLeaveTerminal: (backwards: boolean) => void): void {
  const latest = useRef({ handlers, onLeaveTerminal });
  latest.current = { handlers, onLeaveTerminal };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      const target = event.target instanceof Element ? event.target : null;
      const { handlers: now, onLeaveTerminal: leave } = latest.current;
      if (event.key === 'Tab' && event.shiftKey && !event.ctrlKey && !event.altKey && target?.closest(TERMINAL)) {
        event.preventDefault();
        event.stopPropagation();
        leave(true);
        return;
      }
      const question = event.key === '?' && !event.ctrlKey && !event.altKey && !event.metaKey && !target?.closest(TYPING);
      const shortcut = question ? { id: 'help' as const } : shortcutOf(event);
      const handler = shortcut && now[shortcut.id];
      if (!handler) return;
      event.preventDefault();
      event.stopPropagation();
      if (!event.repeat) handler();
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);
}
