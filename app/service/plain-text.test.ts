import { describe, expect, it } from 'vitest';
import { PlainTextStream, plainText } from './plain-text.js';

describe('plainText', () => {
  it('drops the grader line\'s bold, the shell\'s cursor query, a title and stray controls; keeps CR LF, tab and UTF-8', () => {
    const console = 'kshram:/root# \x1b[6n\x1b(B\r\n\x1b[1m── grader: item 2: Load ──\x1b[0m\r\n[    2.6] \x1b]0;owned\x07hi\tthere\x07\x08\x9b31m — ok\x1b\r\n';
    const plain = plainText(console);
    expect(plain).toBe('kshram:/root# \r\n── grader: item 2: Load ──\r\n[    2.6] hi\tthere31m — ok\r\n');
    expect(plain).not.toMatch(/[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]/);
  });
});

describe('PlainTextStream', () => {
  it('holds a sequence cut between two pieces until its end arrives', () => {
    const stream = new PlainTextStream();
    expect(stream.push('before \x1b[')).toBe('before ');
    expect(stream.push('1')).toBe('');
    expect(stream.push('m── grader: item 3 ──\x1b[0m\r\n')).toBe('── grader: item 3 ──\r\n');
    expect(stream.push('\x1b]0;a title')).toBe('');
    expect(stream.push(' still\x07after')).toBe('after');
  });

  it('lets an ESC that starts no sequence go at the end, and never holds a whole line', () => {
    const stream = new PlainTextStream();
    expect(stream.push('a lone escape \x1b')).toBe('a lone escape ');
    expect(stream.flush()).toBe('');
    expect(stream.push('lone \x1b\r\nnext')).toBe('lone \r\nnext');
    expect(stream.push(`\x1b[${'9'.repeat(80)}`)).toBe(`[${'9'.repeat(80)}`);
  });
});
