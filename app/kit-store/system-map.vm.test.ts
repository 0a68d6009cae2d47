import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { loadKit } from '../kit/kit.js';
import { KernelSymbols } from '../kit/system-map.js';
import { projectRoot } from '../paths.js';
import type { KitInfo } from './catalog.js';

/** x86-64's kernel text starts here unless KASLR moves it (CONFIG_PHYSICAL_START 16 MiB above __START_KERNEL_map). */
const NOKASLR_TEXT = 0xffffffff81000000n;
/** A cold TCG boot of the kit and ~1 MB through the agent's serial line, slower on a busy host. */
const COMPLETE_MS = 240_000;

let cache: string;
let kitDir: string;
const cli = (...args: string[]) => runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), ...args], { env: { ...process.env, NO_COLOR: '1', KSHRAM_LAB_CACHE: cache }, timeoutMs: COMPLETE_MS });

/**
 * The installed debian-6.1 kit as an earlier version left it: the same
 * kernel and busybox (linked), build tree (copied), a kit.json without
 * `systemMap`, in a cache of the test's own.
 */
beforeAll(async () => {
  const installed = await loadKit('debian-6.1');
  cache = await mkdtemp(join(tmpdir(), 'kshram-system-map-test-'));
  kitDir = join(cache, 'kits', 'debian-6.1');
  await mkdir(kitDir, { recursive: true });
  for (const entry of ['vmlinuz', 'busybox']) await symlink(join(installed.dir, entry), join(kitDir, entry));
  // copied: the build sandbox mounts the kit's folder, where a link to the real kit's tree would lead nowhere
  await cp(join(installed.dir, 'root'), join(kitDir, 'root'), { recursive: true, verbatimSymlinks: true });
  // the kit's header Makefile names its common tree by absolute path (written so by resources/kits/debian-kit.sh)
  const src = join(kitDir, 'root', 'usr', 'src');
  for (const headers of (await readdir(src)).filter((name) => name.startsWith('linux-headers-'))) {
    const makefile = join(src, headers, 'Makefile');
    if (existsSync(makefile)) await writeFile(makefile, (await readFile(makefile, 'utf8')).replaceAll(installed.dir, kitDir));
  }
  const manifest = JSON.parse(await readFile(join(installed.dir, 'kit.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.systemMap;
  await writeFile(join(kitDir, 'kit.json'), JSON.stringify(manifest, null, 2));
});
afterAll(async () => {
  if (cache) await rm(cache, { recursive: true, force: true });
});

describe('a kit made before kits kept a System.map', () => {
  it('is listed as without one, and `kits install` adds it from the kernel itself, nothing else changed', async () => {
    const before = JSON.parse(await readFile(join(kitDir, 'kit.json'), 'utf8')) as Record<string, unknown>;
    const listed = JSON.parse((await cli('kits', '--json')).output) as KitInfo[];
    expect(listed.find((k) => k.name === 'debian-6.1')).toMatchObject({ status: 'installed', systemMap: false });
    expect((await cli('kits')).output).toMatch(/no System\.map: the debugger shows kernel frames as addresses; kshram-lab kits install debian-6\.1 adds it/);

    // what `npm run setup` runs on a machine that has the kit already
    const install = await cli('kits', 'install', 'debian-6.1');
    expect(install.code).toBe(0);
    expect(install.output).toMatch(/booting debian-6\.1 once with nokaslr/);
    expect(install.output).toMatch(/debian-6\.1 is already installed \(Linux [^)]+\), its System\.map added/);

    // the kernel's own code symbols at the addresses a debug boot sees
    const symbols = KernelSymbols.parse(await readFile(join(kitDir, 'System.map'), 'utf8'))!;
    expect(symbols.size).toBeGreaterThan(30_000);
    expect(symbols.address('_stext')).toBe(NOKASLR_TEXT);
    for (const name of ['__x64_sys_ioctl', 'do_syscall_64', 'entry_SYSCALL_64_after_hwframe', 'do_init_module']) expect(symbols.address(name)).toBeDefined();
    const map = await readFile(join(kitDir, 'System.map'), 'utf8');
    expect(map).not.toMatch(/\[hello\]|\[kshram\]| __pfx_/);
    // kit.json gained the one field; the kernel and everything else stay
    expect(JSON.parse(await readFile(join(kitDir, 'kit.json'), 'utf8'))).toEqual({ ...before, systemMap: 'System.map' });
    expect(await readlink(join(kitDir, 'vmlinuz'))).toMatch(/kits\/debian-6\.1\/vmlinuz$/);
    expect(existsSync(join(kitDir, 'kit.json.partial'))).toBe(false);

    // done once: the next install (the next setup) only says it is there
    const again = await cli('kits', 'install', 'debian-6.1');
    expect(again.output).toMatch(/debian-6\.1 is already installed \(Linux [^)]+\); --force rebuilds it/);
    expect(again.output).not.toMatch(/booting/);
    const relisted = JSON.parse((await cli('kits', '--json')).output) as KitInfo[];
    expect(relisted.find((k) => k.name === 'debian-6.1')).toMatchObject({ systemMap: true });
  }, 2 * COMPLETE_MS);
});
