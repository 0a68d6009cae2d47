import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseToolchain, type ToolchainChoice } from '../build/select.js';
import { toErrorData, type LabErrorData } from '../errors.js';
import { BUILTIN_KITS, DEBUG_KITS, debugKitBuildEstimate } from './install.js';
import { lacksSystemMap } from './system-map.js';
import { buildTreePlace, DEFAULT_KIT, listKitNames, loadKit, type BuildTreePlace } from '../kit/kit.js';

/** One kit as the CLI's `kits` and the UI's kit picker show it. */
export interface KitInfo {
  name: string;
  /** installed: usable; broken: in the cache but not loadable (see error); available: built-in, not installed. */
  status: 'installed' | 'broken' | 'available';
  builtin: boolean;
  isDefault: boolean;
  source?: 'debian' | 'imported';
  kernelRelease?: string;
  description: string;
  /** Where its module build tree is; 'host' marks an old-style kit (headers installed with apt under /usr/src). */
  buildTree?: BuildTreePlace;
  /** Bytes on disk: the kit's folder plus a module build directory outside it (an old-style kit's headers). */
  sizeBytes?: number;
  /** The toolchain `auto` picks for this kit on this host, and why. */
  toolchain?: ToolchainChoice;
  memory?: string;
  /** A checking kernel (KASAN, lockdep, kmemleak, ...) built from Debian's source: every run on it is checked. */
  debug?: boolean;
  /** A Debian or debug kit with (true) or without (false) its kernel's System.map, the debugger's names for kernel frames; unset for imported kits. */
  systemMap?: boolean;
  /** Not installed and built here when installed: how long that takes ("~10 min on 2 idle cores, ..."). */
  buildEstimate?: string;
  error?: LabErrorData;
}

/** Installed kits (loadable or not) followed by the built-in kits not installed yet, the debug kits (built, not downloaded) last. */
export async function listKits(): Promise<KitInfo[]> {
  const names = await listKitNames();
  const infos: KitInfo[] = [];
  for (const name of names) {
    const builtin = name in BUILTIN_KITS || name in DEBUG_KITS;
    try {
      const kit = await loadKit(name);
      const buildTree = buildTreePlace(kit);
      const external = buildTree === 'host' ? await diskUsage(kit.buildDirPath) : 0;
      infos.push({
        name,
        status: 'installed',
        builtin,
        isDefault: name === DEFAULT_KIT,
        source: kit.source,
        kernelRelease: kit.kernelRelease,
        description: kit.description,
        buildTree,
        sizeBytes: (await diskUsage(kit.dir)) + external,
        toolchain: chooseToolchain(kit),
        memory: kit.qemu.memory,
        ...(kit.sanitizers?.length ? { debug: true } : {}),
        ...(kit.source === 'debian' ? { systemMap: !lacksSystemMap(kit) } : {}),
      });
    } catch (err) {
      infos.push({ name, status: 'broken', builtin, isDefault: name === DEFAULT_KIT, description: '', error: toErrorData(err) });
    }
  }
  for (const [name, recipe] of Object.entries(BUILTIN_KITS)) {
    if (!names.includes(name)) infos.push({ name, status: 'available', builtin: true, isDefault: name === DEFAULT_KIT, source: 'debian', description: recipe.summary });
  }
  for (const [name, recipe] of Object.entries(DEBUG_KITS)) {
    if (!names.includes(name)) {
      infos.push({ name, status: 'available', builtin: true, isDefault: false, source: 'debian', description: recipe.summary, debug: true, buildEstimate: debugKitBuildEstimate() });
    }
  }
  return infos;
}

/** Bytes of the files under path, symbolic links not followed (Debian's headers link into kbuild). */
export async function diskUsage(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await diskUsage(join(path, entry));
  return total;
}

/** "412 MiB", "8.5 MiB", "900 KiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
