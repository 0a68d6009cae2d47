import { useEffect } from 'react';

interface Props {
  /** Breakpoints the workspace has. */
  count: number;
  onDebug(): void;
  onBoot(): void;
  onClose(): void;
}

/**
 * Boot was pressed with breakpoints set: they stop the guest only in a
 * Debug boot, so the bar offers one (Enter), or the plain boot asked for.
 */
export function DebugOffer({ count, onDebug, onBoot, onClose }: Props) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="debug-offer" role="alertdialog" aria-label="Debug instead of Boot?" data-testid="debug-offer">
      <span className="codicon codicon-debug-alt" />
      <span>
        {count === 1 ? 'A breakpoint is set' : `${count} breakpoints are set`}: {count === 1 ? 'it stops' : 'they stop'} the guest only in a Debug boot.
      </span>
      <button className="primary" onClick={onDebug} autoFocus data-testid="debug-offer-debug">
        Debug
      </button>
      <button onClick={onBoot} data-testid="debug-offer-boot">
        {count === 1 ? 'Boot without it' : 'Boot without them'}
      </button>
    </div>
  );
}
