import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKit, type Kit } from '../kit/kit.js';
import { run } from '../process.js';
import { helloCacheDir, helloModule } from './hello-cache.js';
import { NativeToolchain, type ExecOptions } from './toolchain.js';

/** The native toolchain, counting the commands it runs. */
class CountingToolchain extends NativeToolchain {
  runs = 0;
  override exec(command: readonly string[], options: ExecOptions) {
    this.runs++;
    return super.exec(command, options);
  }
}

let kit: Kit;
let cache: string;
const saved = process.env.KSHRAM_LAB_CACHE;

beforeAll(async () => {
  kit = await loadKit();
  cache = await mkdtemp(join(tmpdir(), 'kshram-hello-cache-'));
  process.env.KSHRAM_LAB_CACHE = cache;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.KSHRAM_LAB_CACHE;
  else process.env.KSHRAM_LAB_CACHE = saved;
  await rm(cache, { recursive: true, force: true });
});

describe('the hello module cache', () => {
  it('builds hello.ko once per kit and toolchain, then reuses it', async () => {
    const toolchain = new CountingToolchain();
    const first = await helloModule(kit, toolchain);
    expect(first.startsWith(helloCacheDir())).toBe(true);
    expect(toolchain.runs).toBe(1);
    const info = await run('modinfo', ['-F', 'vermagic', first]);
    expect(info.output.trim().split(' ')[0]).toBe(kit.kernelRelease);

    const again = await helloModule(kit, toolchain);
    expect(again).toBe(first);
    expect(toolchain.runs).toBe(1);
    // nothing of the build is left beside the module
    expect(existsSync(join(first, '..', 'build'))).toBe(false);
  }, 120_000);
});
