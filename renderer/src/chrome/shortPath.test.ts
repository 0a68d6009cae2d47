import { describe, expect, it } from 'vitest';
import { shortPath } from './shortPath';

describe("the toolbar's workspace label", () => {
  it('shows a short absolute path whole, with its leading slash', () => {
    expect(shortPath('/tmp/stu2')).toBe('/tmp/stu2');
    expect(shortPath('/home/alice/lab05')).toBe('/home/alice/lab05');
  });
  it('cuts a deep one at the front, saying so', () => {
    expect(shortPath('/home/alice/courses/up23/lab05')).toBe('…/up23/lab05');
  });
});
