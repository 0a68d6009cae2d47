import { Transform, type TransformCallback } from 'node:stream';

/** A tar archive is a sequence of 512-byte blocks. */
const BLOCK = 512;
/** The header's size field: 12 bytes of octal (or base-256 when its first byte has the top bit). */
const SIZE_OFFSET = 124;
const SIZE_LENGTH = 12;
/** Two zero blocks where a header is expected end the archive. */
const END_MARKER_BLOCKS = 2;

/** Why a TarGuard stopped the stream. */
export class TarStreamLimit extends Error {
  constructor(readonly bytes: number) {
    super(`more than ${bytes} bytes unpacked`);
    this.name = 'TarStreamLimit';
  }
}

/**
 * Sits between the decompressor and the tar parser: every byte read
 * (headers, padding and zeros after the end marker too) counts against
 * `maxBytes`, and nothing after the end marker reaches the parser, whose
 * handling of long runs of zero blocks is quadratic (16 MiB of zeros took
 * 25 s). It follows the archive's structure only as far as needed: where
 * each header is, from the size in the one before.
 */
export class TarGuard extends Transform {
  private total = 0;
  /** Bytes of entry content still to pass before the next header. */
  private skip = 0;
  private header = Buffer.alloc(0);
  private zeroBlocks = 0;
  /** The end marker was seen: the rest is only counted. */
  private ended = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.maxBytes) return done(new TarStreamLimit(this.maxBytes));
    if (this.ended) return done();
    let offset = 0;
    while (offset < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const n = Math.min(BLOCK - this.header.length, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + n)]);
      offset += n;
      if (this.header.length < BLOCK) continue;
      this.atHeader(this.header);
      this.header = Buffer.alloc(0);
    }
    this.push(chunk.subarray(0, offset));
    done();
  }

  private atHeader(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      if (++this.zeroBlocks >= END_MARKER_BLOCKS) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    this.skip = Math.ceil(entrySize(block) / BLOCK) * BLOCK;
  }
}

/** The content size a header announces (0 when unreadable: the parser will say what is wrong). */
function entrySize(block: Buffer): number {
  const field = block.subarray(SIZE_OFFSET, SIZE_OFFSET + SIZE_LENGTH);
  if (field[0]! & 0x80) {
    let size = 0;
    for (const byte of field.subarray(1)) size = size * 256 + byte;
    return size;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  const size = parseInt(text || '0', 8);
  return Number.isFinite(size) ? size : 0;
}
