/**
 * Framing of the guest agent's serial channel (resources/guest/agent.c):
 *   @K <id> <type> <length>\n<length bytes>
 * The channel is a raw UART, so the parser tolerates noise before a header.
 */

export type HostFrameType = 'run' | 'kill' | 'ping' | 'kmsg' | 'fresh';
export type GuestFrameType = 'hello' | 'out' | 'exit' | 'pong' | 'error';

export interface Frame {
  id: number;
  type: string;
  payload: Buffer;
}

const MAGIC = Buffer.from('@K ');
/** The agent accepts payloads up to this size (MAX_PAYLOAD in agent.c). */
export const MAX_REQUEST_PAYLOAD = 65536;
/** Headers are short; anything longer without a newline is noise. */
const MAX_HEADER = 64;
/** No frame of the agent carries more (requests are capped at MAX_REQUEST_PAYLOAD, output comes 4 KiB at a time). */
export const MAX_FRAME_PAYLOAD = MAX_REQUEST_PAYLOAD;
const HEADER = /^@K (\d+) ([a-z]+) (\d+)$/;

export function encodeFrame(id: number, type: HostFrameType, payload: string | Buffer = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (body.length > MAX_REQUEST_PAYLOAD) throw new RangeError(`agent request too large (${body.length} bytes)`);
  return Buffer.concat([Buffer.from(`@K ${id} ${type} ${body.length}\n`), body]);
}

/** Incremental parser: push bytes in, get complete frames out. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      const start = this.buf.indexOf(MAGIC);
      if (start < 0) {
        // keep a tail that may be the beginning of the next header
        this.buf = this.buf.subarray(Math.max(0, this.buf.length - (MAGIC.length - 1)));
        return frames;
      }
      const nl = this.buf.indexOf(0x0a, start);
      if (nl < 0) {
        this.buf = this.buf.length - start > MAX_HEADER ? this.buf.subarray(start + 1) : this.buf.subarray(start);
        return frames;
      }
      const match = HEADER.exec(this.buf.subarray(start, nl).toString('latin1'));
      if (!match) {
        this.buf = this.buf.subarray(start + 1);
        continue;
      }
      const length = Number(match[3]);
      // a header announcing more than any frame carries is noise, not a frame to wait for
      if (length > MAX_FRAME_PAYLOAD) {
        this.buf = this.buf.subarray(start + 1);
        continue;
      }
      const end = nl + 1 + length;
      if (end > this.buf.length) {
        this.buf = this.buf.subarray(start);
        return frames;
      }
      frames.push({ id: Number(match[1]), type: match[2]!, payload: Buffer.from(this.buf.subarray(nl + 1, end)) });
      this.buf = this.buf.subarray(end);
    }
  }
}
