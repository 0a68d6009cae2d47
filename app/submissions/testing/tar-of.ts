import { Header, Pax } from 'tar';

/** A tar block. */
const BLOCK = 512;

/**
 * A plain tar archive of the given entries, written entry by entry with
 * node-tar's own header encoder, so an entry may carry a name no file
 * system could hold (a 300-byte file name goes into a pax header, as GNU
 * tar and Python's tarfile write it).
 */
export function tarOf(entries: Readonly<Record<string, string>>): Buffer {
  const blocks: Buffer[] = [];
  const mtime = new Date(0);
  for (const [path, text] of Object.entries(entries)) {
    const content = Buffer.from(text);
    const header = new Header({ path, size: content.length, type: 'File', mode: 0o644, mtime });
    const block = Buffer.alloc(BLOCK);
    header.encode(block, 0);
    if (header.needPax) blocks.push(new Pax({ path, mtime }).encode());
    blocks.push(block, content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}
