/**
 * The grader's console as a person watches it: the console barrier's
 * "kshram-lab: sync N" lines (see session.ts) are plumbing, so they are
 * left out; the item markers stay, they say what is running.
 */
import { isWholeSyncLine } from './console-markers.js';

/** A kernel line is written whole in well under this; a held-back fragment is then shown anyway. */
const HOLD_MS = 100;

/** Wraps a console listener so that barrier marker lines never reach it. */
export function withoutSyncMarkers(listener: (text: string) => void): (text: string) => void {
  let held = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    if (held) listener(held);
    held = '';
  };
  return (chunk) => {
    clearTimeout(timer);
    const text = held + chunk;
    const end = text.lastIndexOf('\n') + 1;
    // only a fragment that may become a kernel line is held back
    held = text[end] === '[' ? text.slice(end) : '';
    const shown = text
      .slice(0, end)
      .split(/(?<=\n)/)
      .filter((line) => !isWholeSyncLine(line.replace(/\n$/, '')))
      .join('');
    const out = shown + (held ? '' : text.slice(end));
    if (out) listener(out);
    if (held) timer = setTimeout(flush, HOLD_MS);
  };
}
