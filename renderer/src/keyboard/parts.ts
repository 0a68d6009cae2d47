/**
 * The workbench's parts in the order F6 visits them, as VS Code's "Focus
 * Next Part": each is an element with data-part, and within it the first
 * element marked data-focus-first (the editor's text, the open terminal),
 * else the first focusable one.
 */
export const PARTS = ['toolbar', 'editor', 'panel', 'side'] as const;
export type Part = (typeof PARTS)[number];

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea, summary, [tabindex]:not([tabindex="-1"])';

function visible(element: Element): boolean {
  return (element as HTMLElement).offsetParent !== null || element.getClientRects().length > 0;
}

/** Focuses the first place to type or act in `part`; false when it has none on screen. */
export function focusPart(part: Part): boolean {
  const root = document.querySelector(`[data-part=${part}]`);
  if (!root) return false;
  const preferred = [...root.querySelectorAll('[data-focus-first]')].find(visible);
  const target = (preferred && (preferred.matches(FOCUSABLE) ? preferred : preferred.querySelector(FOCUSABLE))) ?? [...root.querySelectorAll(FOCUSABLE)].find(visible);
  if (!(target instanceof HTMLElement)) return false;
  target.focus();
  return document.activeElement === target || root.contains(document.activeElement);
}

/** Moves the focus to the next (or previous) part that can take it. */
export function cyclePart(backwards: boolean): void {
  const here = document.activeElement?.closest('[data-part]')?.getAttribute('data-part') as Part | null | undefined;
  const start = here ? PARTS.indexOf(here) : -1;
  for (let step = 1; step <= PARTS.length; step++) {
    const index = (start + (backwards ? -step : step) + PARTS.length * 2) % PARTS.length;
    if (focusPart(PARTS[index]!)) return;
  }
}
