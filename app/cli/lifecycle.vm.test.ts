import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { gradeUntilCompiling as startGradeUntilCompiling, neverEndingBuild } from '../../test/bad-inputs.js';
import { runOwned } from '../../test/owned.js';
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
  workspace = await neverEndingBuild(join(root, 'workspace'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts `grade WORKSPACE` in a TMPDIR of its own, named `name`, and waits until cc1 compiles kshram.c. */
async function gradeUntilCompiling(name: string): Promise<{ cli: ChildProcess; tmp: string; exited: Promise<number | null> }> {
  const tmp = join(root, name);
  return { ...(await startGradeUntilCompiling(workspace, tmp)), tmp };
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
    await runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'kits', '--json'], { env: { ...process.env, TMPDIR: tmp } });
    expect(await runFolders(tmp)).toEqual([]);
  }, 120_000);
});
