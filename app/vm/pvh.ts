import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kit } from '../kit/kit.js';
import { cacheDir } from '../paths.js';

/**
 * Distribution kernels ship xz/zstd-compressed bzImages; under TCG the
 * decompression alone takes seconds of every boot. A kernel built with
 * CONFIG_PVH can instead be booted by QEMU as its uncompressed ELF
 * (vmlinux), so we extract that once per kernel and reuse it.
 */

/** Compressed payload signatures inside a bzImage, with the tool that inflates each. */
const PAYLOADS: ReadonlyArray<{ magic: Buffer; command: string[] }> = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), command: ['xz', '-dc'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), command: ['zstd', '-dcq'] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), command: ['gzip', '-dc'] },
];
/** ELF note the kernel carries when it has a PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY). */
const PVH_NOTE_TYPE = 18;
const PT_NOTE = 4;
/** Inflating a kernel takes about a second; this bounds a broken decompressor. */
const EXTRACT_TIMEOUT_MS = 60_000;

/** The kernel file to boot: the cached PVH vmlinux when there is one, else the kit's image. */
export async function bootableKernel(kit: Kit): Promise<string> {
  // a KASAN kernel entered through PVH resets at once (measured on the debug kit): boot its bzImage
  if (kit.sanitizers?.includes('kasan')) return kit.kernelImagePath;
  try {
    return (await pvhKernel(kit.kernelImagePath)) ?? kit.kernelImagePath;
  } catch {
    return kit.kernelImagePath;
  }
}

async function pvhKernel(image: string): Promise<string | undefined> {
  const info = await stat(image);
  const key = createHash('sha256').update(`${image}|${info.size}|${info.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'kernels');
  const target = join(dir, `${key}.vmlinux`);
  const none = join(dir, `${key}.no-pvh`);
  if (existsSync(target)) return target;
  if (existsSync(none)) return undefined;
  await mkdir(dir, { recursive: true });
  const elf = await extractElf(await readFile(image));
  if (!elf || !hasPvhNote(elf)) {
    await writeFile(none, '');
    return undefined;
  }
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, elf);
  await rename(partial, target);
  return target;
}

async function extractElf(image: Buffer): Promise<Buffer | undefined> {
  if (image.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) return image;
  for (const { magic, command } of PAYLOADS) {
    for (let at = image.indexOf(magic); at >= 0; at = image.indexOf(magic, at + 1)) {
      const out = await inflate(command, image.subarray(at));
      if (out?.subarray(0, 4).toString('latin1') === '\x7fELF') return out;
    }
  }
  return undefined;
}

/** Runs a decompressor; trailing bytes after the payload make it complain, but its output is whole. */
function inflate(command: string[], input: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), EXTRACT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(chunks.length ? Buffer.concat(chunks) : undefined);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** True when a 64-bit little-endian ELF has the PVH entry note. */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 0x28 > elf.length || elf.readUInt32LE(ph) !== PT_NOTE) continue;
    const offset = Number(elf.readBigUInt64LE(ph + 8));
    const end = Math.min(elf.length, offset + Number(elf.readBigUInt64LE(ph + 0x20)));
    for (let at = offset; at + 12 <= end; ) {
      const namesz = elf.readUInt32LE(at);
      const descsz = elf.readUInt32LE(at + 4);
      const type = elf.readUInt32LE(at + 8);
      const name = elf.subarray(at + 12, at + 12 + namesz).toString('latin1');
      if (name === 'Xen\0' && type === PVH_NOTE_TYPE) return true;
      at += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

const align4 = (n: number): number => (n + 3) & ~3;
