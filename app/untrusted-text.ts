/**
 * Text that came from a submission (printk text, program output, folder
 * and file names, DWARF names, compiler messages quoting the source) made
 * safe to show: on a TA's terminal, in --json, results.csv, report.html
 * and the workbench's grade and crash views. Every control character is
 * made visible instead of acted on, so a printk of `\e]0;TITLE\a` (a
 * window title), `\e]52;c;...\a` (a clipboard write), a DCS, APC, PM or
 * SOS string, or a folder named with escapes is shown as the text
 * `\e]0;TITLE\a`, never run by the terminal that prints it. Tabs and
 * newlines stay; CR LF becomes LF (the serial console's line end).
 *
 * Not for the workbench's live console (xterm.js shows the guest's
 * console as a terminal does, escapes and all), only for what a report,
 * evidence or a TA's terminal gets.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: 8-bit
 * CSI, OSC, DCS, ... that some terminals act on), the line and paragraph
 * separators, and the bidirectional overrides and isolates that make a
 * terminal or page show text in another order than it is (U+202A-U+202E,
 * U+2066-U+2069).
 */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** How a control character is shown: the C escapes a reader knows, else its code. */
const VISIBLE: Readonly<Record<string, string>> = { '\x1b': '\\e', '\x07': '\\a', '\x08': '\\b', '\r': '\\r', '\f': '\\f', '\v': '\\v', '\0': '\\0' };

function visible(char: string): string {
  const named = VISIBLE[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character shown as an escape (see above); idempotent. */
export function safeText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE, visible);
}

/** How deep safeStrings follows a report's objects: reports are a few levels deep; a cycle stops here. */
const MAX_DEPTH = 32;

/**
 * Every string in a plain JSON-like value (a grade report, a batch entry,
 * an error) passed through safeText, keys included; numbers, booleans and
 * null as they are. Returns a copy; the input is not changed.
 */
export function safeStrings<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return safeText(value) as T;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => safeStrings(item, depth + 1)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) copy[safeText(key)] = safeStrings(item, depth + 1);
  return copy as T;
}
