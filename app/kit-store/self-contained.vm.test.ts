import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { gradeSubmission } from '../grade/runner.js';
import { helloModuleDir, moduleDir, projectRoot } from '../paths.js';
import { buildTreePlace, loadKit } from '../kit/kit.js';
import { installKit, privateAptDir } from './install.js';

/**
 * A student's machine after `npm run setup` (its tools step) and the
 * install of both built-in kits: no kernel package, no apt source, nothing
 * under /usr/src; the kits alone build and grade the reference 100/100.
 * Downloads ~150 MB of Debian packages into a private cache.
 */

/** Downloading and unpacking a kit; the mirror can be slow. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** A grade on a loaded 2-core machine, builds included. */
const GRADE_TIMEOUT_MS = 5 * 60_000;
const isRoot = process.getuid?.() === 0;
/** The ordinary user the install runs as when the test runs as root. */
const PLAIN_USER = 'nobody';

let cache: string;
const saved = { cache: process.env.KSHRAM_LAB_CACHE, privateApt: process.env.KSHRAM_LAB_PRIVATE_APT };

/** Hash of every name, link target and file content under dir. */
async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (path: string): Promise<void> => {
    for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name);
      hash.update(full);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isSymbolicLink()) hash.update(`-> ${await readlink(full)}`);
      else if (entry.isFile()) hash.update(await readFile(full));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

async function hostState(): Promise<{ kernels: string; etcApt: string; usrSrc: string[] }> {
  const kernels = await runOwned('dpkg-query', ['-W', '-f=${Package} ${Version} ${Status}\n', 'linux-image-*']);
  return { kernels: kernels.output, etcApt: await treeHash('/etc/apt'), usrSrc: (await readdir('/usr/src')).sort() };
}

let before: Awaited<ReturnType<typeof hostState>>;

beforeAll(async () => {
  before = await hostState();
  // the plain user cannot pass through the test run's private (0700) temporary folder
  cache = await mkdtemp(join(isRoot ? '/tmp' : tmpdir(), 'kshram-self-contained-'));
  // the plain user must reach its cache (mkdtemp makes it 0700, root's)
  if (isRoot) {
    await chmod(cache, 0o755);
    const ids = await runOwned('id', ['-u', PLAIN_USER]);
    await chown(cache, Number(ids.output.trim()), 0);
  }
  process.env.KSHRAM_LAB_CACHE = cache;
}, 30_000);

afterAll(async () => {
  for (const [key, value] of [['KSHRAM_LAB_CACHE', saved.cache], ['KSHRAM_LAB_PRIVATE_APT', saved.privateApt]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(cache, { recursive: true, force: true });
});

describe('self-contained Debian kits', () => {
  it('npm run setup installs tools only', async () => {
    const setup = await runOwned('bash', [join(projectRoot, 'scripts', 'setup.sh'), '--tools'], { timeoutMs: INSTALL_TIMEOUT_MS });
    expect(setup.code, setup.output).toBe(0);
    expect(setup.output).not.toMatch(/linux-(image|headers)/);
  }, INSTALL_TIMEOUT_MS);

  it(`installs debian-6.1 as an ordinary user (${isRoot ? PLAIN_USER : 'this one'}), from the host's apt lists`, async () => {
    const cli = [process.execPath, join(projectRoot, 'bin', 'kshram-lab.js'), 'kits', 'install', 'debian-6.1'];
    const env = ['env', `HOME=${cache}`, `TMPDIR=${cache}`, `KSHRAM_LAB_CACHE=${cache}`, `PATH=${process.env.PATH}`];
    const result = isRoot ? await runOwned('runuser', ['-u', PLAIN_USER, '--', ...env, ...cli], { timeoutMs: INSTALL_TIMEOUT_MS }) : await runOwned(cli[0]!, cli.slice(1), { timeoutMs: INSTALL_TIMEOUT_MS });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Installed debian-6\.1: Linux 6\.1\.\S+-amd64/);
    const kit = await loadKit('debian-6.1');
    expect(buildTreePlace(kit)).toBe('kit');
    expect(existsSync(join(kit.dir, 'root', 'boot')) || existsSync(join(kit.dir, 'root', 'lib'))).toBe(false);
    // the one absolute path kbuild follows points into the kit
    expect(await readFile(join(kit.buildDirPath, 'Makefile'), 'utf8')).toMatch(new RegExp(`^include ${kit.dir}/root/usr/src/linux-headers-\\S+-common/Makefile$`, 'm'));

    // and that user builds a module with it
    const work = join(cache, 'hello-build');
    await cp(helloModuleDir, work, { recursive: true });
    if (isRoot) await runOwned('chown', ['-R', PLAIN_USER, work]);
    const make = ['make', '-C', kit.buildDirPath, `M=${work}`, 'modules'];
    const built = isRoot ? await runOwned('runuser', ['-u', PLAIN_USER, '--', ...make], { timeoutMs: GRADE_TIMEOUT_MS }) : await runOwned(make[0]!, make.slice(1), { timeoutMs: GRADE_TIMEOUT_MS });
    expect(built.code, built.output).toBe(0);
    expect(existsSync(join(work, 'hello.ko'))).toBe(true);
  }, INSTALL_TIMEOUT_MS);

  it('installs debian-6.12 through a private apt configuration in the cache', async () => {
    // as on a host whose apt does not list 6.12 (bookworm without -security's 6.12)
    process.env.KSHRAM_LAB_PRIVATE_APT = '1';
    const progress: string[] = [];
    const kit = await installKit('debian-6.12', (line) => progress.push(line));
    expect(progress.join('\n')).toContain(`apt-get update of the private apt lists in ${privateAptDir()}`);
    expect(await readFile(join(privateAptDir(), 'sources.list'), 'utf8')).toMatch(/bookworm-backports/);
    expect(kit.kernelRelease).toMatch(/^6\.12\.\d+\+deb12-amd64$/);
    expect(buildTreePlace(kit)).toBe('kit');
  }, INSTALL_TIMEOUT_MS);

  it('left the host as it was: no kernel package, /etc/apt unchanged, nothing new in /usr/src', async () => {
    expect(await hostState()).toEqual(before);
  });

  it.each(['debian-6.1', 'debian-6.12'])('grades the reference 100/100 on %s built from the cache', async (name) => {
    const kit = await loadKit(name);
    const report = await gradeSubmission(moduleDir, { kit: name, toolchain: 'native' });
    expect(report.kernelRelease).toBe(kit.kernelRelease);
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    expect(report.total).toBe(100);
  }, GRADE_TIMEOUT_MS);
});
