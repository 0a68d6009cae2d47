import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir, projectRoot } from '../paths.js';
import { BUILD_TOOLS, processesMentioning } from '../../test/processes.js';
import { until } from '../../test/until.js';

/**
 * The grading CLI killed in the middle of a build (SIGTERM, Ctrl-C,
 * SIGKILL) leaves no make, gcc, cc1 or QEMU behind, and (except after
 * SIGKILL, where no handler runs) no run folder. Every process and folder
 * of a run is found by a private TMPDIR whose path they all carry.
 */
let root: string;
let workspace: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kshram-lifecycle-test-'));
  workspace = join(root, 'workspace');
  await mkdir(workspace);
  await copyFile(join(moduleDir, 'kshram.h'), join(workspace, 'kshram.h'));
  // cc1 reads a new terminal's master end, which nobody ever writes to: a build that is surely running when
  // we strike and never ends by itself, idle meanwhile (a CLI that waited for it would never exit)
  await writeFile(join(workspace, 'kshram.c'), `${readFileSync(join(moduleDir, 'kshram.c'), 'utf8')}\n#include "/dev/ptmx"\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts `grade WORKSPACE` with its own TMPDIR and waits until cc1 compiles kshram.c. */
async function gradeUntilCompiling(name: string): Promise<{ cli: ChildProcess; tmp: string; exited: Promise<number | null> }> {
  const tmp = join(root, name);
  await mkdir(tmp);
  const cli = spawn(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', workspace], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  await until('cc1 compiling kshram.c', () => processesMentioning(tmp).find((p) => / cc1$/.test(p)), 90_000);
  return { cli, tmp, exited };
}

/** Our folders in a TMPDIR (tsx keeps its compile cache there too). */
const runFolders = async (tmp: string): Promise<string[]> => (await readdir(tmp)).filter((name) => name.startsWith('kshram'));

/**
 * The build never ends by itself, so any exit at all shows the CLI did not
 * wait for it; the bound only says it did not wait for anything slow (its
 * cleanup takes well under a second on an idle host, seconds when other VMs
 * and builds share the two cores).
 */
const EXIT_MS = 10_000;
/** Killed processes are gone within moments; seconds on a loaded host. */
const REAP_MS = 10_000;

describe('a grading CLI killed mid-build', () => {
  it('SIGTERM: exits at once, no build process and no run folder remain', async () => {
    const { cli, tmp, exited } = await gradeUntilCompiling('term');
    const struck = Date.now();
    cli.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(Date.now() - struck).toBeLessThan(EXIT_MS);
    await until('the build processes to be reaped', () => !processesMentioning(tmp).some((p) => BUILD_TOOLS.test(p)), REAP_MS);
    expect(await runFolders(tmp)).toEqual([]);
  }, 120_000);

  it('Ctrl-C (SIGINT): cancels at once, no build process and no run folder remain', async () => {
    const { cli, tmp, exited } = await gradeUntilCompiling('int');
    const struck = Date.now();
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - struck).toBeLessThan(EXIT_MS);
    await until('the build processes to be reaped', () => !processesMentioning(tmp).some((p) => BUILD_TOOLS.test(p)), REAP_MS);
    expect(await runFolders(tmp)).toEqual([]);
  }, 120_000);

  it('SIGKILL: the build dies with it (no handler of ours runs), and the next start sweeps the folder', async () => {
    const { cli, tmp, exited } = await gradeUntilCompiling('kill');
    cli.kill('SIGKILL');
    await exited;
    await until('the build to die with the CLI', () => (processesMentioning(tmp).some((p) => BUILD_TOOLS.test(p)) ? undefined : true), REAP_MS);
    expect(await runFolders(tmp)).toHaveLength(1);
    // any later run removes the folder of a process that is gone
    const next = spawn(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'kits', '--json'], { env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
    await new Promise((r) => next.on('exit', r));
    expect(await runFolders(tmp)).toEqual([]);
  }, 120_000);
});
