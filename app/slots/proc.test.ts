import { describe, expect, it } from 'vitest';
import { parsePeek, parseProcKshram } from './proc.js';

describe('/proc/kshram parser', () => {
  it('reads the sample from the lab text', () => {
    const text = Array.from({ length: 8 }, (_, i) => `0${i}: 4096`).join('\n');
    expect(parseProcKshram(`${text}\n`)).toEqual({ slots: Array.from({ length: 8 }, (_, i) => ({ index: i, size: 4096 })), malformed: [] });
  });

  it('keeps lines that are not "NN: SIZE" as malformed', () => {
    const parsed = parseProcKshram('00: 1052672\r\nslot 1 = 4096\n02 : 8192\n');
    expect(parsed.slots).toEqual([
      { index: 0, size: 1052672 },
      { index: 2, size: 8192 },
    ]);
    expect(parsed.malformed).toEqual(['slot 1 = 4096']);
  });
});

describe('slot-view output parser', () => {
  it('reads bytes and errors per slot', () => {
    expect(parsePeek('0 ok 48690a00\n1 error mmap: Invalid argument\nnoise\n')).toEqual([
      { index: 0, bytes: Buffer.from('Hi\n\0') },
      { index: 1, error: 'mmap: Invalid argument' },
    ]);
  });
});
