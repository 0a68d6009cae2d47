import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestPrograms } from '../build/programs.js';
import type { Kit } from '../kit/kit.js';
import { guestResourcesDir } from '../paths.js';
import { writeCpio, type CpioEntry } from './cpio.js';

/** Where modules land in the guest; the grader and the README refer to it. */
export const GUEST_MODULE_DIR = '/lib/kshram';

export interface InitramfsContents {
  programs: GuestPrograms;
  /** Built modules by file name in the guest ("kshram.ko" → host path). */
  modules: Record<string, string>;
  /** A checked run: insmod also logs the module's section addresses (resources/guest/insmod-checked). */
  checked?: boolean;
}

/**
 * Writes the guest's initramfs: the kit's base (its own archive, or just
 * busybox) followed by our /init, agent, check programs and modules.
 * The kernel unpacks concatenated archives in order, later files winning.
 */
export async function composeInitramfs(kit: Kit, contents: InitramfsContents, outPath: string): Promise<string> {
  const file = async (path: string, source: string, mode = 0o755): Promise<CpioEntry> => ({ path, type: 'file', data: await readFile(source), mode });
  const entries: CpioEntry[] = ['bin', 'sbin', 'etc', 'lib', 'proc', 'sys', 'dev', 'tmp', 'root', 'usr', 'usr/bin', 'usr/sbin', GUEST_MODULE_DIR.slice(1)].map((path) => ({ path, type: 'dir' }));
  entries.push({ path: 'tmp', type: 'dir', mode: 0o1777 });
  if (kit.busyboxPath) entries.push(await file('bin/busybox', kit.busyboxPath));
  entries.push(await file('init', join(guestResourcesDir, 'init')));
  entries.push(await file('bin/kshram-agent', contents.programs.agent));
  entries.push(await file('bin/slot-view', contents.programs.slotView));
  entries.push(await file('bin/kshram_tap', contents.programs.tap));
  entries.push(await file('bin/kshram_stress', contents.programs.stress));
  // busybox --install leaves an existing /sbin/insmod alone
  if (contents.checked) entries.push(await file('sbin/insmod', join(guestResourcesDir, 'insmod-checked')));
  for (const [name, path] of Object.entries(contents.programs.checks)) entries.push(await file(`bin/${name}`, path));
  for (const [name, path] of Object.entries(contents.modules)) entries.push(await file(`${GUEST_MODULE_DIR.slice(1)}/${name}`, path, 0o644));

  const ours = writeCpio(entries);
  if (!kit.baseInitramfsPath) {
    await writeFile(outPath, ours);
    return outPath;
  }
  const base = await readFile(kit.baseInitramfsPath);
  // each archive in the sequence starts on a 4-byte boundary
  const pad = Buffer.alloc((4 - (base.length % 4)) % 4);
  await writeFile(outPath, Buffer.concat([base, pad, ours]));
  return outPath;
}
