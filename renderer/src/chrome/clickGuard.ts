import { useCallback, useRef } from 'react';

/**
 * Longer than a double click (500 ms by default on Windows, macOS and
 * GNOME): a button that just changed meaning (Boot became Stop) ignores
 * clicks this long, so the second click of a double click cannot undo the
 * first.
 */
export const DOUBLE_CLICK_MS = 600;

/**
 * Guards a toolbar button whose action turns it into its opposite (Boot
 * into Stop, Grade into Cancel). A click is ignored while the previous
 * click's action is starting, within DOUBLE_CLICK_MS of the button changing
 * meaning, and when it is the second click of a double click.
 */
export class ClickGuard {
  private pending = false;
  private changedAt = Number.NEGATIVE_INFINITY;
  private acceptedAt = Number.NEGATIVE_INFINITY;

  constructor(private meaning: string) {}

  /** The button now means `meaning` (called on every render). */
  update(meaning: string, now: number): void {
    if (meaning === this.meaning) return;
    this.meaning = meaning;
    // only a change this button's own click caused can be undone by that click's twin; a change
    // from elsewhere (a page opened on a crashed VM, a VM that stopped by itself) takes clicks at once
    if (this.pending || now - this.acceptedAt < DOUBLE_CLICK_MS) this.changedAt = now;
    this.pending = false;
  }

  /** True when this click should run the action; the guard is then pending until settled(). */
  accept(clickCount: number, now: number): boolean {
    if (clickCount > 1 || this.pending || now - this.changedAt < DOUBLE_CLICK_MS) return false;
    this.pending = true;
    this.acceptedAt = now;
    return true;
  }

  /** The action finished starting (or failed): the button takes clicks again. */
  settled(): void {
    this.pending = false;
  }
}

/** A click handler for a button meaning `meaning`, guarded as ClickGuard says. */
export function useClickGuard(meaning: string): (event: { detail: number }, action: () => unknown) => void {
  const guard = useRef<ClickGuard | null>(null);
  guard.current ??= new ClickGuard(meaning);
  guard.current.update(meaning, performance.now());
  return useCallback((event, action) => {
    const g = guard.current!;
    if (!g.accept(event.detail, performance.now())) return;
    void Promise.resolve()
      .then(action)
      .catch(() => undefined)
      .finally(() => g.settled());
  }, []);
}
