/**
 * Writer for the "newc" cpio format the kernel unpacks as an initramfs.
 * The kernel accepts several archives back to back, so a run's files are
 * appended to a kit's base archive without unpacking it.
 */

export type CpioEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; data: Buffer; mode?: number }
  | { path: string; type: 'symlink'; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function record(ino: number, mode: number, nlink: number, name: string, data: Buffer): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`);
  const header =
    '070701' +
    [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex8).join('');
  const head = Buffer.concat([Buffer.from(header, 'latin1'), nameBytes]);
  return [head, pad4(head.length), data, pad4(data.length)];
}

/** Paths are relative to the archive root ("bin/sh", not "/bin/sh"). */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, i) => {
    const name = entry.path.replace(/^\/+/, '');
    const ino = i + 1;
    if (entry.type === 'dir') parts.push(...record(ino, S_IFDIR | (entry.mode ?? 0o755), 2, name, Buffer.alloc(0)));
    else if (entry.type === 'file') parts.push(...record(ino, S_IFREG | (entry.mode ?? 0o644), 1, name, entry.data));
    else parts.push(...record(ino, S_IFLNK | 0o777, 1, name, Buffer.from(entry.target)));
  });
  parts.push(...record(0, 0, 1, TRAILER, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
