import { describe, expect, it } from 'vitest';
import { expressionAt } from './expression';

const hover = (line: string, on: string, nth = 0): string | undefined => {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = line.indexOf(on, index + 1);
  return expressionAt(line, index + 1)?.expression;
};

describe('the expression under the mouse', () => {
  it('is a variable, or a member chain up to the word hovered', () => {
    const line = '\tret = kshram_set_size(slot, arg);';
    expect(hover(line, 'slot')).toBe('slot');
    expect(hover(line, 'arg')).toBe('arg');
    expect(hover('\tmemset(slot->buf + old, 0, size);', 'buf')).toBe('slot->buf');
    expect(hover('\tmemset(slot->buf + old, 0, size);', 'slot')).toBe('slot');
    expect(hover('\tkshram_slots[i].size = 0;', 'size')).toBe('kshram_slots[i].size');
    expect(hover('\tfoo(x)->size = 0;', 'size')).toBeUndefined(); // a call's result: hovering never runs code
    expect(hover('\ta->b.c = 1;', 'c')).toBe('a->b.c');
  });

  it('is nothing on keywords, operators or blanks', () => {
    expect(hover('\treturn -ENOTTY;', 'return')).toBeUndefined();
    expect(hover('\tx = y + 1;', '+')).toBeUndefined();
    expect(hover('\tstruct kshram_slot *slot;', 'struct')).toBeUndefined();
  });

  it('gives the range to underline', () => {
    expect(expressionAt('\tp->size', 5)).toEqual({ expression: 'p->size', start: 2, end: 9 });
  });
});
