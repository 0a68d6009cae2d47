import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseToolchain } from '../build/select.js';
import { buildModule } from '../build/module.js';
import { DockerToolchain } from '../build/docker.js';
import { moduleDir } from '../paths.js';
import { installKit } from './install.js';

let cache: string;
const saved = process.env.KSHRAM_LAB_CACHE;

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'kshram-install-test-'));
  process.env.KSHRAM_LAB_CACHE = cache;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.KSHRAM_LAB_CACHE;
  else process.env.KSHRAM_LAB_CACHE = saved;
  await rm(cache, { recursive: true, force: true });
});

describe('installing a Debian kit where apt is missing (macOS, Windows)', () => {
  it('runs the recipe in the docker toolchain; the kit builds modules with docker', async () => {
    const progress: string[] = [];
    const kit = await installKit('debian-6.1', (line) => progress.push(line), { viaDocker: true });
    expect(kit.dir).toBe(join(cache, 'kits', 'debian-6.1'));
    expect(progress.join('\n')).toMatch(/headers: left to the docker toolchain image/);
    expect(kit).toMatchObject({ toolchain: 'docker', source: 'debian' });
    expect(kit.headersPackage).toBe(`linux-headers-${kit.kernelRelease}`);
    expect(existsSync(kit.kernelImagePath) && existsSync(kit.busyboxPath!)).toBe(true);
    expect(chooseToolchain(kit).name).toBe('docker');

    const build = await buildModule({ dir: moduleDir, name: 'kshram' }, { kit, toolchain: new DockerToolchain(kit), workDir: join(cache, 'build') });
    expect(build.ok).toBe(true);
  });
});
