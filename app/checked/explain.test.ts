import { describe, expect, it } from 'vitest';
import { explainFinding } from './explain.js';

describe("a finding's line in words", () => {
  it('says a SLUB red zone is a write past the end of the buffer allocated at the line, seen at its free', () => {
    expect(explainFinding({ kind: 'slub', title: 'BUG kmalloc-4k (Tainted: G           OE     ): Right Redzone overwritten' })).toMatch(/^the buffer allocated here was written past its end; the write happened before it was freed/);
    expect(explainFinding({ kind: 'slub', title: 'BUG kmalloc-4k (Not tainted): Poison overwritten' })).toBe('the buffer allocated here was written after it was freed');
  });
  it('says nothing where the line is the access itself (KASAN, lockdep)', () => {
    expect(explainFinding({ kind: 'kasan', title: 'BUG: KASAN: slab-out-of-bounds in kshram_ioctl+0x1fa/0x267 [kshram]' })).toBeUndefined();
  });
});
