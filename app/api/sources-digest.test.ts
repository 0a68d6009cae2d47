import { describe, expect, it } from 'vitest';
import { sourcesDigest } from './sources-digest.js';

describe('the sources digest both sides compute', () => {
  it('changes with any character of any file, and with text moved between files', () => {
    const files: Record<string, string> = { 'kshram.c': 'int x;\n', 'kshram.h': '', Makefile: 'obj-m += kshram.o\n' };
    const digest = sourcesDigest((path) => files[path]!);
    expect(digest).toMatch(/^[0-9a-f]{8}$/);
    expect(sourcesDigest((path) => files[path]!)).toBe(digest);
    expect(sourcesDigest((path) => (path === 'kshram.c' ? 'int y;\n' : files[path]!))).not.toBe(digest);
    expect(sourcesDigest((path) => (path === 'kshram.c' ? '' : path === 'kshram.h' ? 'int x;\n' : files[path]!))).not.toBe(digest);
  });
});
