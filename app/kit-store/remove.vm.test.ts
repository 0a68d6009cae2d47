import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { BASE_IMAGE, checkDocker, dockerBinary } from '../build/docker.js';
import { projectRoot } from '../paths.js';
import { listKits } from './catalog.js';
import { privateAptDir, removeKit } from './install.js';
import { buildTreePlace, kitDir, loadKit } from '../kit/kit.js';

/**
 * A kit installed the old way (headers installed with apt under /usr/src,
 * a docker image with them baked in) is listed as old-style, and
 * `kits remove` deletes what it made: the folder, the image made for it
 * (not another kit's), and with the last built-in kit the private apt lists.
 */

const OLD_RELEASE = '6.1.0-99-amd64';
const IMAGE_REPO = 'kshram-lab/toolchain';
const ownImage = `${IMAGE_REPO}:${OLD_RELEASE}-000000000000`;
const otherImage = `${IMAGE_REPO}:6.1.0-98-amd64-000000000000`;
const DOCKER_TIMEOUT_MS = 60_000;

let cache: string;
const saved = process.env.KSHRAM_LAB_CACHE;
const docker = (...args: string[]) => runOwned(dockerBinary(), args, { timeoutMs: DOCKER_TIMEOUT_MS });
const cli = (...args: string[]) => runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), ...args], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: DOCKER_TIMEOUT_MS });

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'kshram-remove-test-'));
  process.env.KSHRAM_LAB_CACHE = cache;
  const dir = kitDir('debian-6.1');
  await mkdir(dir, { recursive: true });
  await copyFile(process.execPath, join(dir, 'vmlinuz'));
  await copyFile(process.execPath, join(dir, 'busybox'));
  // kit.json as the apt-installing recipe wrote it
  const manifest = { name: 'debian-6.1', description: 'Debian, old recipe', kernelRelease: OLD_RELEASE, kernelImage: 'vmlinuz', buildDir: `/usr/src/linux-headers-${OLD_RELEASE}`, busybox: 'busybox', toolchain: 'native', headersPackage: `linux-headers-${OLD_RELEASE}`, aptSuite: 'default' };
  await writeFile(join(dir, 'kit.json'), JSON.stringify(manifest));
  await mkdir(join(privateAptDir(), 'lists'), { recursive: true });
  await checkDocker();
  for (const tag of [ownImage, otherImage]) expect((await docker('tag', BASE_IMAGE, tag)).code).toBe(0);
}, DOCKER_TIMEOUT_MS);

afterAll(async () => {
  if (saved === undefined) delete process.env.KSHRAM_LAB_CACHE;
  else process.env.KSHRAM_LAB_CACHE = saved;
  await docker('image', 'rm', ownImage, otherImage);
  await rm(cache, { recursive: true, force: true });
}, DOCKER_TIMEOUT_MS);

describe('old-style kits and kits remove', () => {
  it('lists a kit whose headers are on the host as old-style, with how to renew it', async () => {
    const kit = await loadKit('debian-6.1');
    expect(buildTreePlace(kit)).toBe('host');
    expect((await listKits()).find((k) => k.name === 'debian-6.1')).toMatchObject({ status: 'installed', buildTree: 'host' });
    const listed = await cli('kits');
    expect(listed.output).toContain('old-style: its headers are apt\'s under /usr/src; make it self-contained with: kshram-lab kits install --force debian-6.1');
  }, DOCKER_TIMEOUT_MS);

  it('deletes the kit, its own docker image and the private apt lists, and leaves other images', async () => {
    const removed = await removeKit('debian-6.1');
    expect(removed).toEqual({ images: [ownImage], aptDir: privateAptDir() });
    expect(existsSync(kitDir('debian-6.1'))).toBe(false);
    expect(existsSync(privateAptDir())).toBe(false);
    expect((await docker('image', 'inspect', ownImage)).code).not.toBe(0);
    expect((await docker('image', 'inspect', otherImage)).code).toBe(0);
  }, DOCKER_TIMEOUT_MS);
});
