import { describe, expect, it } from 'vitest';
import { withoutSyncMarkers } from './console-view.js';

describe("the grader's console view", () => {
  it('drops barrier markers however the stream is chunked, and keeps everything else', () => {
    const stream = 'kshram:/root# [    2.5] kshram-lab: item 2: Load hello\r\n[    2.6] hello: hello, world!\r\n[    2.7] kshram-lab: sync 1\r\n[    2.8] kshram-lab: sync 12\r\nkshram:/root# ';
    for (const size of [1, 3, 7, stream.length]) {
      let seen = '';
      const feed = withoutSyncMarkers((text) => (seen += text));
      for (let i = 0; i < stream.length; i += size) feed(stream.slice(i, i + size));
      expect(seen).toBe('kshram:/root# [    2.5] kshram-lab: item 2: Load hello\r\n[    2.6] hello: hello, world!\r\nkshram:/root# ');
    }
  });

  it('shows a held-back fragment when no more text comes', async () => {
    let seen = '';
    withoutSyncMarkers((text) => (seen += text))('[    3.0] partial');
    expect(seen).toBe('');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toBe('[    3.0] partial');
  });
});
