import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasPvhNote } from './pvh.js';

describe('uncompressed PVH kernel', () => {
  it('does not mistake an ordinary ELF program for a PVH kernel', () => {
    expect(hasPvhNote(readFileSync('/bin/sh'))).toBe(false);
    expect(hasPvhNote(Buffer.from('not an elf'))).toBe(false);
  });
});
