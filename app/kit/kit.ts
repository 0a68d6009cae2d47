import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LabError } from '../errors.js';
import { kitsDir } from '../paths.js';

/** The kit every command uses unless told otherwise. */
export const DEFAULT_KIT = 'debian-6.1';

/**
 * Guest memory. The Debian kernels need 128 MiB for check_resize's eight
 * physically contiguous ~1 MiB krealloc()s (at 96 MiB only four succeed);
 * 256 MiB leaves room for a module that leaks or allocates generously.
 */
export const DEFAULT_MEMORY = '256M';

const QemuSchema = z.object({
  memory: z.string().regex(/^\d+[MG]$/).default(DEFAULT_MEMORY),
  cpu: z.string().default('qemu64'),
  smp: z.number().int().min(1).max(16).default(2),
  /** Kernel command line; ours adds the console and crash settings. */
  append: z.string().default(''),
  /** QEMU machine type (-M), from an imported qemu.sh; QEMU's default when absent. */
  machine: z.string().optional(),
  /** Extra arguments from an imported qemu.sh, e.g. a machine type. */
  extraArgs: z.array(z.string()).default([]),
});

export const KitManifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  description: z.string().default(''),
  kernelRelease: z.string(),
  /** Relative to the kit directory unless absolute. */
  kernelImage: z.string(),
  buildDir: z.string(),
  busybox: z.string().optional(),
  /** A base initramfs (possibly compressed) that our files are appended to. */
  baseInitramfs: z.string().optional(),
  toolchain: z.enum(['native', 'docker']).default('native'),
  /** Debian's headers package of buildDir (the docker toolchain image installs it when buildDir is not in the kit). */
  headersPackage: z.string().optional(),
  /** The apt suite headersPackage comes from (bookworm-security, bookworm-backports). */
  aptSuite: z.string().optional(),
  /** The checkers compiled into the kernel (a debug kit's); stock kernels have none (see app/checked). */
  sanitizers: z.array(z.enum(['kasan', 'lockdep', 'atomic-sleep', 'kmemleak', 'ubsan', 'pagealloc', 'list', 'slub'])).optional(),
  /** Where the kit came from: a built-in Debian recipe or an imported archive. */
  source: z.enum(['debian', 'imported']).default('debian'),
  /** The kernel with DWARF (a debug kit keeps one): kernel frames of a crash then get file:line too. */
  vmlinux: z.string().optional(),
  /**
   * The kernel's code symbols at its nokaslr addresses (System.map format):
   * the debugger names kernel frames from it. Debian's linux-image packages
   * ship a placeholder, so `kits install` reads them from the kernel's
   * /proc/kallsyms (kit-store/system-map.ts); a debug kit keeps its build's.
   */
  systemMap: z.string().optional(),
  qemu: QemuSchema.default(QemuSchema.parse({})),
});

export type KitManifest = z.infer<typeof KitManifestSchema>;

export interface Kit extends KitManifest {
  dir: string;
  /** Absolute paths of the kit's files. */
  kernelImagePath: string;
  buildDirPath: string;
  busyboxPath?: string;
  baseInitramfsPath?: string;
  vmlinuxPath?: string;
  systemMapPath?: string;
}

const abs = (dir: string, p: string): string => (p.startsWith('/') ? p : join(dir, p));

export function kitDir(name: string): string {
  return join(kitsDir(), name);
}

export async function loadKit(name: string = DEFAULT_KIT): Promise<Kit> {
  return loadKitAt(kitDir(name), name);
}

/** Loads the kit in dir (an installed kit's, or one being imported) and checks its files are there. */
export async function loadKitAt(dir: string, name: string): Promise<Kit> {
  const manifestPath = join(dir, 'kit.json');
  if (!existsSync(manifestPath)) {
    throw new LabError('KIT_MISSING', `The kit "${name}" is not installed.`, `Run: kshram-lab kits install ${name}  (or npm run setup)`);
  }
  let manifest: KitManifest;
  try {
    manifest = KitManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (err) {
    throw new LabError('KIT_CORRUPT', `The kit "${name}" has an unreadable kit.json: ${(err as Error).message}`, `Reinstall it: kshram-lab kits remove ${name} && kshram-lab kits install ${name}`);
  }
  const kit: Kit = {
    ...manifest,
    dir,
    kernelImagePath: abs(dir, manifest.kernelImage),
    buildDirPath: abs(dir, manifest.buildDir),
    busyboxPath: manifest.busybox ? abs(dir, manifest.busybox) : undefined,
    baseInitramfsPath: manifest.baseInitramfs ? abs(dir, manifest.baseInitramfs) : undefined,
    vmlinuxPath: manifest.vmlinux ? abs(dir, manifest.vmlinux) : undefined,
    systemMapPath: manifest.systemMap ? abs(dir, manifest.systemMap) : undefined,
  };
  // an old-style kit's headers are apt's (maybe removed since); a kit made
  // for the docker toolchain has them only in its image
  const headersElsewhere = buildTreePlace(kit) !== 'kit';
  const missing = [
    ['kernel image', kit.kernelImagePath],
    ...(headersElsewhere ? [] : [['module build directory', join(kit.buildDirPath, 'Makefile')]]),
    ...(kit.busyboxPath ? [['busybox', kit.busyboxPath]] : []),
    ...(kit.baseInitramfsPath ? [['base initramfs', kit.baseInitramfsPath]] : []),
  ].filter(([, path]) => !existsSync(path!));
  if (!kit.busyboxPath && !kit.baseInitramfsPath) missing.push(['busybox or base initramfs', '']);
  if (missing.length) {
    const what = missing.map(([label, path]) => `${label}${path ? ` (${path})` : ''}`).join(', ');
    throw new LabError('KIT_CORRUPT', `The kit "${name}" is incomplete: missing ${what}.`, `Reinstall it: kshram-lab kits remove ${name} && kshram-lab kits install ${name}`);
  }
  return kit;
}

/**
 * Where a kit's module build tree is: in the kit (self-contained: built-in
 * kits made by debian-kit.sh, imported kits), in the docker toolchain's
 * image (kits made where apt is missing), or on the host under /usr/src
 * (old-style Debian kits, installed by an earlier version with apt).
 */
export type BuildTreePlace = 'kit' | 'image' | 'host';

export function buildTreePlace(kit: Pick<Kit, 'dir' | 'buildDirPath' | 'toolchain' | 'headersPackage'>): BuildTreePlace {
  if (kit.buildDirPath.startsWith(`${kit.dir}/`)) return 'kit';
  return kit.toolchain === 'docker' && kit.headersPackage ? 'image' : 'host';
}

/** Names of the kits in the cache, installed or not loadable. */
export async function listKitNames(): Promise<string[]> {
  if (!existsSync(kitsDir())) return [];
  const entries = await readdir(kitsDir(), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.endsWith('.partial')).map((e) => e.name).sort();
}
