import { useEffect, useRef } from 'react';

/** Monaco's own Ctrl/Cmd+S command saves the file being edited; everywhere else this hook answers. */
const EDITOR = '.monaco-editor';

/** Ctrl+S, or Cmd+S on a Mac; never with Alt or Shift, which mean other things. */
export function isSaveKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 's';
}

/**
 * Ctrl/Cmd+S with the focus anywhere in the page saves and builds. It is
 * caught before it reaches its target: in the terminal it would otherwise
 * become XOFF (Ctrl-S, 0x13) and freeze the guest's console, and elsewhere
 * the browser would offer to save the page.
 */
export function useSaveShortcut(onSave: () => void): void {
  const latest = useRef(onSave);
  latest.current = onSave;
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent): void => {
      if (!isSaveKey(e)) return;
      if (e.target instanceof Element && e.target.closest(EDITOR)) return;
      e.preventDefault();
      e.stopPropagation();
      if (!e.repeat) latest.current();
    };
    // capture: the page sees the key before xterm's textarea does
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, []);
}
