/**
 * The grader's console as a student watches it. The grader's own lines in
 * the kernel log (console-markers.ts) are its plumbing: barrier markers
 * ("kshram-lab: sync N") are left out, and the lines that say what runs
 * next ("item 5: ...", the extra checks) are shown as the grader speaking,
 * on a line of their own, without the kernel's timestamp or our prefix.
 */
import { markerInLine } from '../guest-run/console-markers.js';

/** A kernel line is written whole in well under this; a held-back fragment is then shown anyway. */
const HOLD_MS = 100;
/** Bold, like the workbench's own lines in the terminal, so nobody takes it for the kernel's. */
const graderLine = (text: string): string => `\x1b[1m── grader: ${text} ──\x1b[0m\r\n`;

/** One complete console line (ending in \n) as the student sees it; `atLineStart`: the view's cursor is at a line's start. */
function shownLine(line: string, atLineStart: boolean): string {
  const marker = markerInLine(line.replace(/\n$/, ''));
  if (!marker) return line;
  const before = marker.before.trim() ? marker.before : '';
  if (marker.sync) return before && `${before}\r\n`;
  // the grader speaks on a line of its own, also right after the shell's prompt
  return `${before}${before || !atLineStart ? '\r\n' : ''}${graderLine(marker.text)}`;
}

/** Wraps a console listener so that it gets the console as shownLine() shows it. */
export function withoutSyncMarkers(listener: (text: string) => void): (text: string) => void {
  let held = '';
  let timer: NodeJS.Timeout | undefined;
  let atLineStart = true;
  const emit = (text: string): void => {
    atLineStart = text.endsWith('\n');
    listener(text);
  };
  const flush = (): void => {
    timer = undefined;
    if (held) emit(held);
    held = '';
  };
  return (chunk) => {
    clearTimeout(timer);
    const text = held + chunk;
    const end = text.lastIndexOf('\n') + 1;
    // an unfinished line may still become a grader line (after a prompt, too): held back briefly
    held = text.slice(end);
    let out = '';
    for (const line of text.slice(0, end).split(/(?<=\n)/)) {
      if (!line) continue;
      out += shownLine(line, out ? out.endsWith('\n') : atLineStart);
    }
    if (out) emit(out);
    if (held) timer = setTimeout(flush, HOLD_MS);
  };
}
