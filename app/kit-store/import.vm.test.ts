import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { gradeSubmission } from '../grade/runner.js';
import { kitsDir, moduleDir } from '../paths.js';
import { run } from '../process.js';
import { importKit } from './import.js';
import { removeKit } from './install.js';
import { DEFAULT_KIT, DEFAULT_MEMORY, kitDir, loadKit, type Kit } from '../kit/kit.js';
import { makeSyntheticDist, type DistVariant } from './testing/synthetic-dist.js';

let debian: Kit;
let work: string;
const names: string[] = [];
/** A kit name no one else uses, removed after the tests. */
const freshName = (): string => {
  names.push(`test-import-${process.pid}-${names.length}`);
  return names.at(-1)!;
};

beforeAll(async () => {
  debian = await loadKit(DEFAULT_KIT);
  work = await mkdtemp(join(tmpdir(), 'kshram-import-test-'));
});

afterAll(async () => {
  for (const name of names) await rm(kitDir(name), { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Imports and returns the error, checking that a failed import leaves nothing behind. */
async function rejection(archive: string): Promise<LabError> {
  const name = freshName();
  const error = await importKit(archive, { name }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(LabError);
  expect(existsSync(kitDir(name))).toBe(false);
  expect((await readdir(kitsDir())).filter((e) => e.startsWith(`import-${process.pid}-`))).toEqual([]);
  return error as LabError;
}

async function variant(label: string, dist: DistVariant): Promise<string> {
  const dir = join(work, label);
  await run('mkdir', ['-p', dir]);
  return makeSyntheticDist(debian, dist, dir);
}

describe("importing the course's dist.tbz: damaged or incomplete archives", () => {
  it('names a file that is not there', async () => {
    const error = await rejection(join(work, 'no-such-dist.tbz'));
    expect(error.code).toBe('BAD_ARGUMENT');
    expect(error.message).toMatch(/There is no file .*no-such-dist\.tbz/);
  });

  it('rejects a file that is neither bzip2 nor tar', async () => {
    const path = join(work, 'random.tbz');
    await writeFile(path, Buffer.alloc(4096, 'not an archive at all '));
    const error = await rejection(path);
    expect(error.code).toBe('KIT_ARCHIVE_INVALID');
    expect(error.message).toMatch(/random\.tbz: it is neither bzip2-compressed nor a tar archive/);
  });

  it('rejects bzip2 data that is not a tar', async () => {
    const path = join(work, 'text.tbz');
    await run('sh', ['-c', `yes "plain text" | head -n 1000 | bzip2 > ${path}`]);
    expect((await rejection(path)).message).toMatch(/it is bzip2-compressed but not a tar archive/);
  });

  it('rejects an archive cut short, as a broken download is', async () => {
    const path = await variant('truncated', {});
    const { size } = statSync(path);
    await truncate(path, Math.floor(size * 0.6));
    const error = await rejection(path);
    expect(error.message).toMatch(/it is incomplete: the download was probably cut short/);
    expect(error.suggestion).toMatch(/Download dist\.tbz again/);
  });

  const cases: Array<[string, DistVariant, RegExp]> = [
    ['no kernel', { kernel: 'missing' }, /it has no kernel image \(dist\/vmlinuz-\* or dist\/bzImage\)/],
    ['a kernel that is not a bzImage', { kernel: 'not-bzimage' }, /vmlinuz-6\.\S+ is not an x86 Linux bzImage/],
    ['no rootfs', { rootfs: 'missing' }, /it has no root file system \(dist\/rootfs\.cpio\.bz2\)/],
    ['a rootfs that is not a cpio', { rootfs: 'not-cpio' }, /rootfs\.cpio\.bz2 is not a usable initramfs: it is not a cpio archive \(newc\)/],
    ['a damaged rootfs', { rootfs: 'damaged' }, /rootfs\.cpio\.bz2 is not a usable initramfs: its bzip2 data is damaged/],
    ['no module build directory', { build: 'missing' }, /it has no module build directory \(a folder such as dist\/modulebuild/],
    ['a build directory without configuration', { build: 'no-config' }, /module build directory dist\/modulebuild\/ has a Makefile but no kernel configuration/],
    ['a build directory for another kernel', { build: 'other-release' }, /module build directory is for Linux 6\.2\.6 but the kernel is 6\.1\./],
    ['a build directory modules do not build against', { build: 'fake' }, /modules do not build against its module build directory:\n[^]*cannot build modules/],
  ];
  for (const [label, dist, message] of cases) {
    it(`rejects an archive with ${label}`, async () => {
      const error = await rejection(await variant(label.replace(/\W+/g, '-'), dist));
      expect(error.code).toBe('KIT_ARCHIVE_INVALID');
      expect(error.message).toMatch(message);
      expect(error.suggestion).toBeTruthy();
    });
  }
});

describe("importing the course's dist.tbz: a whole archive", () => {
  it('adds our static busybox when the rootfs has none', async () => {
    const name = freshName();
    const kit = await importKit(await variant('no-busybox', { rootfs: 'no-busybox' }), { name, buildCheck: false });
    expect(kit.busybox).toBe('busybox');
    expect(await readFile(join(kitDir(name), 'busybox'))).toEqual(await readFile(debian.busyboxPath!));
  });

  it('refuses to replace an installed kit unless forced', async () => {
    const name = freshName();
    const archive = await variant('twice', { rootfs: 'no-busybox' });
    await importKit(archive, { name, buildCheck: false });
    await expect(importKit(archive, { name, buildCheck: false })).rejects.toThrow(/already installed/);
    await expect(importKit(archive, { name, buildCheck: false, force: true, memory: '192M' })).resolves.toMatchObject({ qemu: { memory: '192M' } });
  });

  it('imports a synthetic dist.tbz built from Debian packages and grades the reference module 100/100 with it', async () => {
    const name = freshName();
    const archive = await variant('whole', { build: 'real' });
    const progress: string[] = [];
    const manifest = await importKit(archive, { name, onProgress: (line) => progress.push(line) });
    expect(progress.join('\n')).toMatch(/checking that modules build against it/);

    const kit = await loadKit(name);
    expect(kit).toMatchObject({ source: 'imported', kernelRelease: debian.kernelRelease, baseInitramfs: 'rootfs.cpio', buildDir: 'build' });
    expect(kit.busyboxPath).toBeUndefined(); // the rootfs brings its own
    // qemu.sh's flags, with the memory a Debian kernel needs (96M is too little for check_resize)
    expect(kit.qemu).toMatchObject({ memory: DEFAULT_MEMORY, smp: 2, cpu: 'qemu64', append: 'quiet nokaslr' });
    expect(manifest.description).toMatch(/memory raised from 96M to 256M/);
    expect((await readFile(kit.baseInitramfsPath!)).subarray(0, 6).toString()).toBe('070701');

    const report = await gradeSubmission(moduleDir, { kit: name });
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    expect(report.total).toBe(100);
    expect(report.kit).toBe(name);

    await removeKit(name);
    expect(existsSync(kitDir(name))).toBe(false);
  });
});
