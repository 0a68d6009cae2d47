import { describe, expect, it } from 'vitest';
import { withoutSyncMarkers } from './console-view.js';

describe("the grader's console view", () => {
  // as the serial console delivers it: lines end in \r\r\n, the first marker follows the shell's prompt
  const stream =
    'kshram:/root# \x1b[6n[   22.511457] kshram-lab: item 2: Load the hello, world! module\r\r\n[    2.6] hello: hello, world!\r\r\n[    2.7] kshram-lab: sync 1\r\r\n[    2.8] kshram-lab: sync 12\r\r\n' +
    '[   39.3] kshram-lab: extra checks\r\r\n[   39.7] kshram: 8 slots of 4096 bytes ready\r\r\n';
  const expected =
    'kshram:/root# \x1b[6n\r\n\x1b[1m── grader: item 2: Load the hello, world! module ──\x1b[0m\r\n[    2.6] hello: hello, world!\r\r\n' +
    '\x1b[1m── grader: extra checks ──\x1b[0m\r\n[   39.7] kshram: 8 slots of 4096 bytes ready\r\r\n';

  it('drops barrier markers, shows item markers as the grader speaking, however the stream is chunked', () => {
    for (const size of [1, 3, 7, stream.length]) {
      let seen = '';
      const feed = withoutSyncMarkers((text) => (seen += text));
      for (let i = 0; i < stream.length; i += size) feed(stream.slice(i, i + size));
      expect(seen).toBe(expected);
      expect(seen).not.toContain('kshram-lab');
    }
  });

  it('shows a held-back fragment when no more text comes, and the next grader line below it', async () => {
    let seen = '';
    const feed = withoutSyncMarkers((text) => (seen += text));
    feed('kshram:/root# ');
    expect(seen).toBe('');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toBe('kshram:/root# ');
    feed('[    2.5] kshram-lab: item 2: Load\r\r\n');
    expect(seen).toBe('kshram:/root# \r\n\x1b[1m── grader: item 2: Load ──\x1b[0m\r\n');
  });
});
