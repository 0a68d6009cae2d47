import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';

/** Compressions an initramfs comes in, by magic number, with the tool that inflates each. */
const COMPRESSIONS: ReadonlyArray<{ name: string; magic: Buffer; command: string[] }> = [
  { name: 'bzip2', magic: Buffer.from('BZh', 'latin1'), command: ['bzip2', '-dc'] },
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), command: ['gzip', '-dc'] },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), command: ['xz', '-dc'] },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), command: ['zstd', '-dcq'] },
];
/** The guest has 256 MiB at most; a root file system larger than this cannot unpack in it. */
export const MAX_ROOTFS_BYTES = 512 * 1024 * 1024;
/** Inflating a few MiB takes well under a second; this bounds a stuck decompressor. */
const INFLATE_TIMEOUT_MS = 120_000;
const NEWC_MAGICS = ['070701', '070702'];
const NEWC_HEADER_BYTES = 110;
const TRAILER = 'TRAILER!!!';
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export class RootfsError extends Error {}

/** Compression of a file by its first bytes: a name from COMPRESSIONS, or undefined for none known. */
export async function detectCompression(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await file.read(head, 0, head.length, 0);
    return COMPRESSIONS.find((c) => head.subarray(0, c.magic.length).equals(c.magic))?.name;
  } finally {
    await file.close();
  }
}

/** The file's bytes, inflated when compressed; RootfsError when the data is damaged. */
export async function readMaybeCompressed(path: string): Promise<Buffer> {
  const name = await detectCompression(path);
  const compression = COMPRESSIONS.find((c) => c.name === name);
  if (!compression) {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size > MAX_ROOTFS_BYTES) throw new RootfsError(`it is larger than ${MAX_ROOTFS_BYTES >> 20} MiB`);
    } finally {
      await file.close();
    }
    return readFile(path);
  }
  return inflate(compression.command, path, compression.name);
}

function inflate(command: string[], path: string, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let tooBig = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), INFLATE_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ROOTFS_BYTES) {
        tooBig = true;
        child.kill('SIGKILL');
      } else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', () => {
      clearTimeout(timer);
      reject(new RootfsError(`${command[0]} is not installed, so the ${name} data cannot be read`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (tooBig) reject(new RootfsError(`it inflates to more than ${MAX_ROOTFS_BYTES >> 20} MiB`));
      else if (code !== 0) reject(new RootfsError(`its ${name} data is damaged (${stderr.trim().split('\n').pop() || `${command[0]} exit ${code}`})`));
      else resolve(Buffer.concat(chunks));
    });
  });
}

export interface CpioMember {
  /** Without a leading "./" or "/". */
  path: string;
  type: 'file' | 'symlink' | 'other';
}

/**
 * Lists the members of an uncompressed newc cpio (possibly several
 * archives back to back, as initramfs allows). RootfsError when it is
 * not one or is cut short.
 */
export function listCpio(data: Buffer): CpioMember[] {
  const members: CpioMember[] = [];
  let at = 0;
  if (!NEWC_MAGICS.includes(data.toString('latin1', 0, 6))) {
    throw new RootfsError(/^0707(07|0[0-7])/.test(data.toString('latin1', 0, 6)) ? 'it is an old-format cpio; the kernel needs newc (cpio -H newc)' : 'it is not a cpio archive (newc)');
  }
  while (at < data.length) {
    // archives may be separated by zero padding
    while (at < data.length && data[at] === 0) at++;
    if (at >= data.length) break;
    const magic = data.toString('latin1', at, at + 6);
    if (!NEWC_MAGICS.includes(magic)) throw new RootfsError(`it has unexpected bytes at offset ${at} (not a cpio header)`);
    if (at + NEWC_HEADER_BYTES > data.length) throw new RootfsError('it is cut short (a header runs past the end)');
    const field = (index: number): number => parseInt(data.toString('latin1', at + 6 + index * 8, at + 14 + index * 8), 16);
    const mode = field(1);
    const fileSize = field(6);
    const nameSize = field(11);
    const nameStart = at + NEWC_HEADER_BYTES;
    const name = data.toString('latin1', nameStart, nameStart + nameSize - 1);
    const dataStart = align4(nameStart + nameSize);
    const next = align4(dataStart + fileSize);
    if (Number.isNaN(fileSize) || Number.isNaN(nameSize) || dataStart + fileSize > data.length) throw new RootfsError(`it is cut short (in ${name || 'a member'})`);
    at = next;
    if (name === TRAILER) continue;
    const kind = mode & S_IFMT;
    members.push({ path: name.replace(/^(\.\/|\/)+/, ''), type: kind === S_IFREG ? 'file' : kind === S_IFLNK ? 'symlink' : 'other' });
  }
  return members;
}

const align4 = (n: number): number => (n + 3) & ~3;
