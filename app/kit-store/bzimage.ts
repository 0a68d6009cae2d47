import { open } from 'node:fs/promises';

/** The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
const BOOT_FLAG_OFFSET = 0x1fe;
const BOOT_FLAG = 0xaa55;
const HEADER_MAGIC_OFFSET = 0x202;
const HEADER_MAGIC = 'HdrS';
const KERNEL_VERSION_POINTER_OFFSET = 0x20e;
/** kernel_version is an offset from 0x200, the start of the setup header's page. */
const KERNEL_VERSION_BASE = 0x200;
/** The setup code the version string lives in is a few KiB; read that much. */
const SETUP_READ_BYTES = 64 * 1024;

export interface BzImageInfo {
  /** "6.2.6" or "6.1.0-56-amd64": the first word of the version string (what uname -r says). */
  release?: string;
  /** "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP ... Debian 6.1.192-2 (...)". */
  version?: string;
}

/** Reads a bzImage's boot header; undefined when the file is not an x86 bzImage. */
export async function readBzImage(path: string): Promise<BzImageInfo | undefined> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SETUP_READ_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SETUP_READ_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.length < KERNEL_VERSION_POINTER_OFFSET + 2) return undefined;
    if (head.readUInt16LE(BOOT_FLAG_OFFSET) !== BOOT_FLAG) return undefined;
    if (head.toString('latin1', HEADER_MAGIC_OFFSET, HEADER_MAGIC_OFFSET + 4) !== HEADER_MAGIC) return undefined;
    const pointer = head.readUInt16LE(KERNEL_VERSION_POINTER_OFFSET);
    const start = pointer ? pointer + KERNEL_VERSION_BASE : -1;
    if (start < 0 || start >= head.length) return {};
    const end = head.indexOf(0, start);
    const version = head.toString('latin1', start, end < 0 ? head.length : end).trim();
    return { version, release: version.split(/\s+/)[0] || undefined };
  } finally {
    await file.close();
  }
}

/** True for a distribution's generic kernel (large, modular), as opposed to a course's small one. */
export function isDistributionKernel(version: string | undefined): boolean {
  return /debian|ubuntu|fedora|red hat/i.test(version ?? '');
}
