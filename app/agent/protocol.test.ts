import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser } from './protocol.js';

describe('agent framing', () => {
  it('round-trips a frame with binary payload', () => {
    const payload = Buffer.from([0, 1, 0x0a, 0x40, 0x4b, 0x20, 0xff]);
    const frames = new FrameParser().push(encodeFrame(7, 'run', payload));
    expect(frames).toEqual([{ id: 7, type: 'run', payload }]);
  });

  it('reassembles frames split at every byte', () => {
    const wire = Buffer.concat([Buffer.from('@K 3 out 5\nhello'), Buffer.from('@K 3 exit 1\n0')]);
    const parser = new FrameParser();
    const frames = [...wire].flatMap((byte) => parser.push(Buffer.from([byte])));
    expect(frames.map((f) => [f.id, f.type, f.payload.toString()])).toEqual([
      [3, 'out', 'hello'],
      [3, 'exit', '0'],
    ]);
  });

  it('skips noise and malformed headers before a frame', () => {
    const parser = new FrameParser();
    const frames = parser.push(Buffer.from('garbage\r\n@K x y\n@K 1 pong 0\n'));
    expect(frames).toEqual([{ id: 1, type: 'pong', payload: Buffer.alloc(0) }]);
  });

  it('waits for a payload that has not fully arrived', () => {
    const parser = new FrameParser();
    expect(parser.push(Buffer.from('@K 2 out 10\n12345'))).toEqual([]);
    expect(parser.push(Buffer.from('67890'))[0]?.payload.toString()).toBe('1234567890');
  });

  it('skips a header that announces more than any frame carries, instead of waiting for it', () => {
    const parser = new FrameParser();
    expect(parser.push(Buffer.from('@K 3 out 999999999\n@K 4 exit 1\n0'))).toEqual([{ id: 4, type: 'exit', payload: Buffer.from('0') }]);
  });

  it('refuses requests the agent cannot take', () => {
    expect(() => encodeFrame(1, 'run', Buffer.alloc(65537))).toThrow(/too large/);
  });
});
