import { describe, expect, it } from 'vitest';
import { isInside } from './paths.js';

describe('isInside', () => {
  it('holds for the root and what lies below it, a name starting with ".." included', () => {
    expect(isInside('/ws', '/ws')).toBe(true);
    expect(isInside('/ws', '/ws/kshram.c')).toBe(true);
    expect(isInside('/ws', '/ws/..notes')).toBe(true);
  });

  it('does not hold for a parent, a sibling or a path elsewhere', () => {
    expect(isInside('/ws', '/')).toBe(false);
    expect(isInside('/ws', '/ws2/kshram.c')).toBe(false);
    expect(isInside('/ws', '/etc/passwd')).toBe(false);
  });
});
