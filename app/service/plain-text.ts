/**
 * What the nc front sends is plain text: a student reads it in `nc`, a
 * Python script or a log file, none of which is a terminal that should act
 * on escapes. The guest's console (busybox's prompt asks for the cursor
 * with `\e[6n`; a module may printk anything) and the grader's own bold
 * "── grader: item N ──" lines carry them; here they go. The web pages
 * keep the colour: their xterm.js renders it.
 */

/**
 * An escape sequence as ECMA-48 shapes it: CSI (`\e[` parameters,
 * intermediates, a final byte: colours, cursor moves and queries), a
 * control string (OSC `\e]`, DCS `\eP`, SOS, PM, APC: a window title, a
 * clipboard write) ended by BEL or ST, or ESC with intermediates and one
 * final byte (`\e(B`, `\ec`). Node's stripVTControlCharacters misses a
 * title with a space in it.
 */
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-OQ-WYZ\\`-~])/;
const SEQUENCES = new RegExp(SEQUENCE.source, 'g');
/** A tail from an ESC on that holds a whole sequence: nothing to wait for. */
const COMPLETE_SEQUENCE = new RegExp(`^(?:${SEQUENCE.source})`);
/**
 * What is left to drop once the escape sequences are gone: C0 controls but
 * tab, LF and CR (the protocol's line end), DEL, and the C1 controls
 * (U+0080-U+009F; 8-bit CSI and OSC, which some terminals act on).
 */
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
/** A sequence is a few bytes; a longer tail after an ESC is not one waiting for its end. */
const MAX_SEQUENCE_CHARS = 64;

/** `text` without escape sequences and control characters; tab, CR and LF stay. */
export function plainText(text: string): string {
  return text.replace(SEQUENCES, '').replace(CONTROLS, '');
}

/**
 * plainText for a stream that arrives in pieces: an escape sequence cut
 * between two pieces is held back until its end arrives, so that neither
 * its ESC nor the rest of it ("1m") is shown.
 */
export class PlainTextStream {
  private held = '';

  /** The plain text of what can be shown of `chunk` now. */
  push(chunk: string): string {
    const text = this.held + chunk;
    const escape = text.lastIndexOf('\x1b');
    const tail = escape < 0 ? '' : text.slice(escape);
    const unfinished = tail !== '' && tail.length < MAX_SEQUENCE_CHARS && !tail.includes('\n') && !COMPLETE_SEQUENCE.test(tail);
    this.held = unfinished ? tail : '';
    return plainText(unfinished ? text.slice(0, escape) : text);
  }

  /** What was held back, as plain text: the stream ends or other text follows. */
  flush(): string {
    const held = this.held;
    this.held = '';
    return plainText(held);
  }
}
