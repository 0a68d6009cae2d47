import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { LabError } from '../errors.js';
import { kitsDir } from '../paths.js';
import { run } from '../process.js';
import { isDistributionKernel, readBzImage } from './bzimage.js';
import { buildModule } from '../build/module.js';
import { selectToolchain } from '../build/select.js';
import { helloModuleDir } from '../paths.js';
import { DEFAULT_KIT, DEFAULT_MEMORY, kitDir, loadKitAt, type Kit, type KitManifest } from '../kit/kit.js';
import { memoryMiB, parseMemory, parseQemuScript, type QemuScriptSettings } from './qemu-script.js';
import { detectCompression, listCpio, readMaybeCompressed, RootfsError } from './rootfs.js';

/** Unpacking the course's archive (tens of MiB of bzip2) takes seconds; this bounds a stuck tar. */
const EXTRACT_TIMEOUT_MS = 10 * 60_000;
/** How deep into the archive we look for the kernel, rootfs and build directory (dist/ is level 1). */
const MAX_SEARCH_DEPTH = 5;
/** Where a busybox can come from when the archive's rootfs has none. */
const HOST_BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

export interface ImportOptions {
  /** Kit name; "course-RELEASE" by default. */
  name?: string;
  /** Guest memory instead of qemu.sh's (e.g. "128M"). */
  memory?: string;
  /** Replace a kit of the same name. */
  force?: boolean;
  /** Build the hello module against the kit before accepting it (default true). */
  buildCheck?: boolean;
  onProgress?: (line: string) => void;
}

const invalid = (file: string, problem: string, suggestion = "Use the course's dist.tbz as downloaded (a bzip2 tar with dist/ holding the kernel, rootfs.cpio.bz2, qemu.sh and the module build files)."): LabError =>
  new LabError('KIT_ARCHIVE_INVALID', `Cannot import ${basename(file)}: ${problem}`, suggestion);

/**
 * Imports the course's kit archive (dist.tbz): its kernel, its rootfs as
 * the base initramfs (ours is appended and our /init wins), the flags of
 * its qemu.sh and its module build directory. Everything is validated
 * before the kit appears; a failed import leaves nothing behind.
 */
export async function importKit(archive: string, options: ImportOptions = {}): Promise<KitManifest & { dir: string }> {
  const progress = options.onProgress ?? (() => {});
  await checkArchive(archive);
  const staging = join(kitsDir(), `import-${process.pid}-${Date.now()}.partial`);
  await mkdir(staging, { recursive: true });
  try {
    const unpacked = join(staging, 'archive');
    progress(`unpacking ${basename(archive)}`);
    await extract(archive, unpacked);
    const files = await walk(unpacked, MAX_SEARCH_DEPTH);
    if (!files.length) throw invalid(archive, 'the archive is empty.');

    const kernel = await findKernel(archive, files);
    progress(`kernel ${relative(unpacked, kernel.path)}: Linux ${kernel.release ?? '(version unknown)'}`);
    const rootfs = await findRootfs(archive, files);
    progress(`rootfs ${relative(unpacked, rootfs.path)}: ${rootfs.members} files${rootfs.hasBusybox ? '' : ', no /bin/busybox'}`);
    const build = await findBuildDir(archive, unpacked, files);
    progress(`module build directory ${relative(unpacked, build.dir)}${build.release ? ` (Linux ${build.release})` : ''}`);
    const release = kernel.release ?? build.release;
    if (!release) throw invalid(archive, 'neither the kernel image nor the module build directory says which Linux release they are.');
    if (kernel.release && build.release && kernel.release !== build.release) {
      throw invalid(archive, `the module build directory is for Linux ${build.release} but the kernel is ${kernel.release}; modules built against it would not load.`, 'Use a build directory that matches the kernel (the one the course ships with it).');
    }
    const script = files.find((f) => basename(f) === 'qemu.sh');
    const qemu = script ? parseQemuScript(await readFile(script, 'utf8')) : undefined;
    if (!script) progress('no qemu.sh: QEMU settings are our defaults');

    const name = options.name ?? `course-${release}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new LabError('BAD_ARGUMENT', `"${name}" is not a valid kit name.`, 'Use lower-case letters, digits, ".", "_" and "-", e.g. --name course.');
    const dir = kitDir(name);
    if (existsSync(dir) && !options.force) {
      throw new LabError('BAD_ARGUMENT', `A kit named "${name}" is already installed.`, `Choose another name (--name), or replace it: kshram-lab kits import ${archive} --force`);
    }

    // the kit: kernel, inflated rootfs, build directory, qemu.sh for reference
    const kit = join(staging, 'kit');
    await mkdir(kit);
    const kernelName = basename(kernel.path);
    await copyFile(kernel.path, join(kit, kernelName));
    await writeFile(join(kit, 'rootfs.cpio'), rootfs.data);
    await rename(build.dir, join(kit, 'build'));
    if (script) await copyFile(script, join(kit, 'qemu.sh'));
    let busybox: string | undefined;
    if (!rootfs.hasBusybox) {
      const source = await findBusybox();
      if (!source) throw invalid(archive, 'its rootfs has no /bin/busybox and none is installed here to add.', 'Install the default kit (kshram-lab kits install debian-6.1) or busybox-static, then import again.');
      await copyFile(source, join(kit, 'busybox'));
      busybox = 'busybox';
      progress(`adding a static busybox (${source}): the rootfs has none`);
    }

    const settings = qemuSettings(qemu, kernel.version, options.memory);
    const manifest: KitManifest = {
      name,
      description: [`Imported from ${basename(archive)}, Linux ${release}`, ...settings.notes].join('; '),
      kernelRelease: release,
      kernelImage: kernelName,
      buildDir: 'build',
      busybox,
      baseInitramfs: 'rootfs.cpio',
      toolchain: 'native',
      source: 'imported',
      qemu: settings.qemu,
    };
    await writeFile(join(kit, 'kit.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (options.buildCheck !== false) await checkModulesBuild(archive, await loadKitAt(kit, name), join(staging, 'trial'), progress);
    await rm(dir, { recursive: true, force: true });
    await rename(kit, dir);
    progress(`kit ${name} ready in ${dir}`);
    return { ...manifest, dir };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Builds the hello module against the kit: the strictest check that its
 * build directory is whole. Skipped, with a note, when this host has no
 * toolchain at all (the kit may still be used elsewhere).
 */
async function checkModulesBuild(archive: string, kit: Kit, workDir: string, progress: (line: string) => void): Promise<void> {
  progress('checking that modules build against it (the hello module)');
  let result;
  try {
    const toolchain = await selectToolchain(kit, 'auto', { onProgress: progress });
    result = await buildModule({ dir: helloModuleDir, name: 'hello' }, { kit, toolchain, workDir });
  } catch (err) {
    if (err instanceof LabError && ['TOOLCHAIN_MISSING', 'DOCKER_UNAVAILABLE'].includes(err.code)) {
      progress(`not checked: ${err.message}`);
      return;
    }
    throw err;
  }
  if (!result.ok) {
    const tail = result.log.replace(/\r/g, '').trim().split('\n').slice(-8).join('\n');
    throw invalid(archive, `modules do not build against its module build directory:\n${tail}`, 'The build directory must be prepared for external modules (make modules_prepare) and match the kernel.');
  }
}

/** The file exists and is a tar (bzip2-compressed like the course's, or gzip/xz/plain). */
async function checkArchive(archive: string): Promise<void> {
  let info;
  try {
    info = await stat(archive);
  } catch {
    throw new LabError('BAD_ARGUMENT', `There is no file ${archive}.`, "Give the path of the course's dist.tbz.");
  }
  if (!info.isFile()) throw invalid(archive, 'it is not a file.');
  const compression = await detectCompression(archive);
  if (compression) return;
  const file = await open(archive, 'r');
  try {
    const header = Buffer.alloc(512);
    const { bytesRead } = await file.read(header, 0, 512, 0);
    // a plain tar says "ustar" at offset 257
    if (bytesRead === 512 && header.toString('latin1', 257, 262) === 'ustar') return;
  } finally {
    await file.close();
  }
  throw invalid(archive, 'it is neither bzip2-compressed nor a tar archive (the course ships a bzip2 tar, .tbz).');
}

async function extract(archive: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  // tar refuses members with ".." and strips leading "/" on its own
  const result = await run('tar', ['-xf', archive, '-C', into, '--no-same-owner', '--no-same-permissions'], { timeoutMs: EXTRACT_TIMEOUT_MS }).catch(() => {
    throw new LabError('TOOLCHAIN_MISSING', 'tar is not installed, so the archive cannot be unpacked.', 'Install tar and bzip2 (apt-get install tar bzip2).');
  });
  if (result.code === 0) return;
  const said = result.output.replace(/\r/g, '').trim().split('\n').filter(Boolean);
  const reason = said.slice(-3).join(' / ') || `tar exit ${result.code}`;
  const compression = await detectCompression(archive);
  if (/not a bzip2|not in gzip|does not look like a tar|not recognized|unrecognized archive/i.test(reason)) {
    throw invalid(archive, `it is ${compression ? `${compression}-compressed but` : ''} not a tar archive (${reason}).`);
  }
  if (/unexpected (eof|end)|ends unexpectedly|truncated|premature/i.test(reason)) {
    throw invalid(archive, `it is incomplete: the download was probably cut short (${reason}).`, 'Download dist.tbz again.');
  }
  throw invalid(archive, `it is damaged (${reason}).`, 'Download dist.tbz again.');
}

/** Regular files and directories under dir, breadth first, up to depth levels. */
async function walk(dir: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  let level = [dir];
  for (let d = 0; d < depth && level.length; d++) {
    const next: string[] = [];
    for (const parent of level) {
      for (const entry of await readdir(parent, { withFileTypes: true })) {
        const path = join(parent, entry.name);
        if (entry.isDirectory()) {
          next.push(path);
          found.push(`${path}/`);
        } else if (entry.isFile()) found.push(path);
      }
    }
    level = next;
  }
  return found;
}

async function findKernel(archive: string, files: string[]): Promise<{ path: string; release?: string; version?: string }> {
  const candidates = files.filter((f) => /^(vmlinuz.*|bzImage)$/.test(basename(f)));
  if (!candidates.length) throw invalid(archive, 'it has no kernel image (dist/vmlinuz-* or dist/bzImage).');
  for (const path of candidates) {
    const info = await readBzImage(path);
    if (info) return { path, ...info };
  }
  throw invalid(archive, `${candidates.map((c) => basename(c)).join(', ')} is not an x86 Linux bzImage (no boot header).`);
}

async function findRootfs(archive: string, files: string[]): Promise<{ path: string; data: Buffer; members: number; hasBusybox: boolean }> {
  const candidates = files.filter((f) => /^rootfs\.cpio(\.\w+)?$/.test(basename(f))).concat(files.filter((f) => /\.cpio(\.\w+)?$/.test(f) && !/^rootfs\./.test(basename(f))));
  const path = candidates[0];
  if (!path) throw invalid(archive, 'it has no root file system (dist/rootfs.cpio.bz2).');
  try {
    const data = await readMaybeCompressed(path);
    const members = listCpio(data);
    const hasBusybox = members.some((m) => m.path === 'bin/busybox' && m.type !== 'other');
    return { path, data, members: members.length, hasBusybox };
  } catch (err) {
    if (err instanceof RootfsError) throw invalid(archive, `${basename(path)} is not a usable initramfs: ${err.message}.`);
    throw err;
  }
}

/**
 * The directory modules are built against: holds the kernel's top
 * Makefile and its configuration. Liberal in where it is (dist/modulebuild,
 * dist/build, linux-headers-*, ...), strict in what it holds.
 */
async function findBuildDir(archive: string, unpacked: string, files: string[]): Promise<{ dir: string; release?: string }> {
  const dirs = files.filter((f) => f.endsWith('/')).map((f) => f.slice(0, -1));
  const withMakefile = dirs.filter((d) => existsSync(join(d, 'Makefile')));
  const configured = withMakefile.filter((d) => existsSync(join(d, '.config')) || existsSync(join(d, 'include', 'config', 'auto.conf')));
  const preferred = (list: string[]): string | undefined => list.find((d) => /module|build|headers|linux|kernel/i.test(basename(d))) ?? list[0];
  const dir = preferred(configured);
  if (!dir) {
    const near = preferred(withMakefile);
    if (near) throw invalid(archive, `its module build directory ${relative(unpacked, near)}/ has a Makefile but no kernel configuration (.config or include/config/auto.conf).`);
    throw invalid(archive, 'it has no module build directory (a folder such as dist/modulebuild with the kernel\'s Makefile, .config and Module.symvers).');
  }
  // UTS_RELEASE is what a module's vermagic carries; kernel.release can differ (Debian's says 6.1.192)
  const release = (await utsRelease(dir)) ?? (await readFirstLine(join(dir, 'include', 'config', 'kernel.release')));
  return { dir, release };
}

async function readFirstLine(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  return (await readFile(path, 'utf8')).split('\n')[0]!.trim() || undefined;
}

async function utsRelease(dir: string): Promise<string | undefined> {
  const header = join(dir, 'include', 'generated', 'utsrelease.h');
  if (!existsSync(header)) return undefined;
  return /UTS_RELEASE\s+"([^"]+)"/.exec(await readFile(header, 'utf8'))?.[1];
}

/** A static busybox for a rootfs without one: the default kit's, else the host's busybox-static. */
async function findBusybox(): Promise<string | undefined> {
  const fromKit = join(kitDir(DEFAULT_KIT), 'busybox');
  return [fromKit, ...HOST_BUSYBOX].find((path) => existsSync(path));
}

/** The smallest memory a distribution kernel needs for check_resize's eight ~1 MiB slots (FACTS: 96 MiB gives four). */
const DISTRIBUTION_KERNEL_MIN_MEMORY = DEFAULT_MEMORY;

/**
 * QEMU settings from qemu.sh: memory, CPU, SMP, kernel parameters and
 * machine as the course's script has them. A distribution kernel (as in
 * a synthetic archive) gets at least DEFAULT_MEMORY, since 96 MiB is too
 * little for it to satisfy check_resize; the course's own small kernel
 * keeps exactly what its qemu.sh says, as the course's server runs it.
 */
function qemuSettings(script: QemuScriptSettings | undefined, kernelVersion: string | undefined, memoryOverride: string | undefined): { qemu: KitManifest['qemu']; notes: string[] } {
  const notes: string[] = [];
  const qemu: KitManifest['qemu'] = {
    memory: script?.memory ?? DEFAULT_MEMORY,
    cpu: script?.cpu ?? 'qemu64',
    smp: script?.smp ?? 2,
    append: script?.append ?? '',
    machine: script?.machine,
    extraArgs: [],
  };
  if (script) notes.push(`qemu.sh: -m ${qemu.memory} -smp ${qemu.smp} -cpu ${qemu.cpu}${qemu.machine ? ` -M ${qemu.machine}` : ''}`);
  if (memoryOverride) {
    const memory = parseMemory(memoryOverride);
    if (!memory) throw new LabError('BAD_ARGUMENT', `"${memoryOverride}" is not a memory size.`, 'Give it as QEMU does, e.g. 128M or 1G.');
    qemu.memory = memory;
    notes.push(`memory ${memory} as requested`);
  } else if (isDistributionKernel(kernelVersion) && memoryMiB(qemu.memory) < memoryMiB(DISTRIBUTION_KERNEL_MIN_MEMORY)) {
    notes.push(`memory raised from ${qemu.memory} to ${DISTRIBUTION_KERNEL_MIN_MEMORY}: a distribution kernel needs more than the course's small one for check_resize`);
    qemu.memory = DISTRIBUTION_KERNEL_MIN_MEMORY;
  }
  if (script?.ignored.length) notes.push(`not used from qemu.sh: ${script.ignored.join(' ')}`);
  return { qemu, notes };
}
