import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import type { KitInfo } from '../kit-store/catalog.js';
import { projectRoot } from '../paths.js';
import { EXIT_ENVIRONMENT, EXIT_USAGE } from './errors.js';

const cli = (...args: string[]) => runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), ...args], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 60_000 });
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-kits-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('kshram-lab kits', () => {
  it('lists the installed kits with kernel release, size and toolchain', async () => {
    const result = await cli('kits', '--json');
    expect(result.code).toBe(0);
    const kits = JSON.parse(result.output) as KitInfo[];
    const debian = kits.find((k) => k.name === 'debian-6.1')!;
    expect(debian).toMatchObject({ status: 'installed', builtin: true, isDefault: true, source: 'debian' });
    expect(debian.kernelRelease).toMatch(/^6\.1\./);
    expect(debian.sizeBytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(['native', 'docker']).toContain(debian.toolchain!.name);

    const text = await cli('kits');
    expect(text.output).toMatch(new RegExp(`debian-6\\.1\\* +Linux ${debian.kernelRelease!.replace(/\./g, '\\.')} +[\\d.]+ MiB +(native|docker)`));
  });

  it('lists the debug kits: a built one like any kit, one not built as installable with its build time', async () => {
    const kits = JSON.parse((await cli('kits', '--json')).output) as KitInfo[];
    const text = (await cli('kits')).output;
    // 6.12's debug kit is never built on this machine (the recipe can; it takes tens of minutes)
    expect(kits.find((k) => k.name === 'debian-6.12-debug')).toMatchObject({ status: 'available', debug: true, buildEstimate: expect.stringMatching(/^~\d+ min on \d+ idle cores?/) });
    expect(text).toMatch(/○ debian-6\.12-debug +not built \(.*KASAN.*\): kshram-lab kits install debian-6\.12-debug compiles its kernel here, ~\d+ min on \d+ idle core/);
    const debug61 = kits.find((k) => k.name === 'debian-6.1-debug')!;
    if (debug61.status === 'installed') {
      expect(debug61).toMatchObject({ debug: true, kernelRelease: expect.stringMatching(/^6\.1\.\d+-kshram-debug$/) });
      expect(debug61.buildEstimate).toBeUndefined();
      expect(text).toMatch(/● debian-6\.1-debug +Linux 6\.1\.\d+-kshram-debug +[\d.]+ GiB +native/);
    } else {
      expect(debug61).toMatchObject({ status: 'available', debug: true });
      expect(text).toMatch(/○ debian-6\.1-debug +not built/);
    }
  });

  it('rejects a bad archive with a plain message and exit status 2', async () => {
    const path = join(work, 'dist.tbz');
    await writeFile(path, 'this is not the course archive');
    const result = await cli('kits', 'import', path);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.output).toContain('error: Cannot import dist.tbz: it is neither bzip2-compressed nor a tar archive');
    expect(result.output).toContain('hint: ');
    expect(result.output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says plainly when a kit to remove or install does not exist', async () => {
    const removed = await cli('kits', 'remove', 'no-such-kit');
    expect(removed.code).toBe(EXIT_ENVIRONMENT);
    expect(removed.output).toContain('error: The kit "no-such-kit" is not installed.');
    const installed = await cli('kits', 'install', 'debian-9.9');
    expect(installed.code).toBe(EXIT_USAGE);
    expect(installed.output).toMatch(/error: There is no built-in kit "debian-9\.9"\.\nhint: Built-in kits: debian-6\.1, debian-6\.12\./);
  });
});
