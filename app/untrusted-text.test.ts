import { describe, expect, it } from 'vitest';
import { safeStrings, safeText } from './untrusted-text.js';

/** Every byte a terminal could act on; none may be left in safeText's output. */
const TERMINAL_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('safeText: what a submission prints is shown, never run by a terminal', () => {
  it.each([
    ['OSC window title (BEL)', '\x1b]0;TITLE\x07', '\\e]0;TITLE\\a'],
    ['OSC 52 clipboard write', '\x1b]52;c;cm0gLXJmIH4=\x07', '\\e]52;c;cm0gLXJmIH4=\\a'],
    ['OSC ended by ST', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', '\\e]8;;http://x\\e\\link\\e]8;;\\e\\'],
    ['DCS (DECRQSS)', '\x1bP$q"p\x1b\\', '\\eP$q"p\\e\\'],
    ['APC', '\x1b_Gf=100;AAAA\x1b\\', '\\e_Gf=100;AAAA\\e\\'],
    ['PM', '\x1b^private\x1b\\', '\\e^private\\e\\'],
    ['SOS', '\x1bXstring\x1b\\', '\\eXstring\\e\\'],
    ['CSI colour and cursor moves', '\x1b[31mred\x1b[2J\x1b[H', '\\e[31mred\\e[2J\\e[H'],
    ['8-bit CSI and OSC (C1)', 'a\u009b2Jb\u009d0;T\u009c', 'a\\x9b2Jb\\x9d0;T\\x9c'],
    ['NUL, BEL, backspace, DEL', 'x\0y\x07z\x08w\x7f', 'x\\0y\\az\\bw\\x7f'],
    ['a lone CR (would overwrite the line)', 'FAILED\rPASSED', 'FAILED\\rPASSED'],
    ['bidirectional override', 'ok \u202eliaf', 'ok \\u202eliaf'],
  ])('%s', (_, input, shown) => {
    expect(safeText(input)).toBe(shown);
    expect(TERMINAL_CONTROLS.test(safeText(input))).toBe(false);
  });

  it('keeps tabs, newlines and any printable text; CR LF becomes LF', () => {
    expect(safeText('a\tb\r\nc\nd é 中文 ✔')).toBe('a\tb\nc\nd é 中文 ✔');
  });

  it('is idempotent: shown text stays as it was shown', () => {
    const once = safeText('\x1b]0;T\x07 \u009b');
    expect(safeText(once)).toBe(once);
  });

  it('safeStrings reaches every string of a report, keys too, and leaves the input alone', () => {
    const report = { student: 'esc\x1b]0;X\x07name', items: [{ evidence: 'kernel: \x1bP1$r\x1b\\', points: 20, ok: true }], notes: ['\u009b31m'], nothing: null };
    const safe = safeStrings(report);
    expect(safe).toEqual({ student: 'esc\\e]0;X\\aname', items: [{ evidence: 'kernel: \\eP1$r\\e\\', points: 20, ok: true }], notes: ['\\x9b31m'], nothing: null });
    expect(report.student).toBe('esc\x1b]0;X\x07name');
    expect(TERMINAL_CONTROLS.test(JSON.stringify(safe).replace(/\\u00[0-9a-f]{2}/g, ''))).toBe(false);
  });
});
