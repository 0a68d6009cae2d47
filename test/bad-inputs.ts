import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { moduleDir, projectRoot } from '../app/paths.js';
import { spawnOwned } from './owned.js';
import { processesMentioning } from './processes.js';
import { until } from './until.js';

/**
 * The bad inputs of the robustness tests, shared with bench/robustness.ts,
 * which times what the tests assert.
 */

/** Init code that takes every page the allocator will give and never frees one. */
export const TAKES_EVERY_PAGE = '\twhile (alloc_page(GFP_KERNEL | __GFP_NOWARN))\n\t\t;';

const INIT_START = 'static int __init kshram_init(void)\n{\n';

/** Writes into `dir` the reference module with `code` run first thing in its init. */
export async function referenceWithInit(dir: string, code: string): Promise<string> {
  const source = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
  if (!source.includes(INIT_START)) throw new Error('the reference module no longer has kshram_init as expected');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kshram.c'), source.replace(INIT_START, `${INIT_START}${code}\n`));
  await copyFile(join(moduleDir, 'kshram.h'), join(dir, 'kshram.h'));
  return dir;
}

/**
 * Writes into `dir` a workspace whose build never ends by itself: cc1
 * reads a new terminal's master end, which nobody ever writes to (surely
 * running when struck, idle meanwhile; a CLI that waited for it would
 * never exit).
 */
export async function neverEndingBuild(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(moduleDir, 'kshram.h'), join(dir, 'kshram.h'));
  await writeFile(join(dir, 'kshram.c'), `${await readFile(join(moduleDir, 'kshram.c'), 'utf8')}\n#include "/dev/ptmx"\n`);
  return dir;
}

/** Starts `kshram-lab grade workspace` with TMPDIR `tmp` (owned: test/owned.ts) and waits until cc1 compiles kshram.c. */
export async function gradeUntilCompiling(workspace: string, tmp: string): Promise<{ cli: ChildProcess; exited: Promise<number | null> }> {
  await mkdir(tmp, { recursive: true });
  const { child: cli, exited: exit } = spawnOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', workspace], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' } });
  const exited = exit.then(({ code, signal }) => code ?? (signal ? -1 : null));
  await until('cc1 compiling kshram.c', () => processesMentioning(tmp).find((p) => / cc1$/.test(p)), 90_000);
  return { cli, exited };
}

/** A 9 MB .tar.gz of zeros: concatenated gzip members, each 64 MiB of zeros (~9 GiB once inflated). */
export async function zerosTarGz(file: string): Promise<string> {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  await writeFile(file, Buffer.concat(Array.from({ length: Math.ceil((9 * 1000 * 1000) / member.length) }, () => member)));
  return file;
}
