import { useEffect, useRef } from 'react';
import { EDITOR_KEYS, SHORTCUTS, type ShortcutId } from './shortcuts';

interface Props {
  /** Only the shortcuts that do something here are listed. */
  available: readonly ShortcutId[];
  onClose(): void;
}

/** The shortcuts on one page (F1 or ?), closed by Escape, a click outside or its button. */
export function ShortcutsHelp({ available, onClose }: Props) {
  const close = useRef<HTMLButtonElement>(null);
  const before = useRef<Element | null>(document.activeElement);
  useEffect(() => {
    close.current?.focus();
    const back = before.current;
    return () => (back as HTMLElement | null)?.focus?.();
  }, []);
  return (
    <div className="modal-backdrop" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()} data-testid="shortcuts-help">
      <div className="modal shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" onClick={(e) => e.stopPropagation()}>
        <header className="modal-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button ref={close} className="icon-button" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <table className="shortcut-table">
          <tbody>
            {SHORTCUTS.filter((s) => available.includes(s.id)).map((s) => (
              <tr key={s.id}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
            {EDITOR_KEYS.map((k) => (
              <tr key={k.keys}>
                <td>
                  <kbd>{k.keys}</kbd>
                </td>
                <td>{k.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
