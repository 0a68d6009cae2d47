import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { CHECK_PROGRAMS } from '../build/programs.js';
import { checksDir, moduleDir, projectRoot } from '../paths.js';
import type { GradeReport } from './runner.js';

/**
 * --checks: a TA grades with the course's own check programs. We do not
 * have them, so these tests hand the grader copies of ours from a temp
 * folder, once as they are and once with check_fork changed to print a
 * failure and still exit 0, which proves the folder's programs are the
 * ones built, run and judged by their output.
 */
/** Checks in the held-out style: every line "ok - ...", the last "0 failed". */
const TAP_CHECKS = fileURLToPath(new URL('./fixtures/tap-checks', import.meta.url));

let work: string;

async function copyChecks(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  for (const program of CHECK_PROGRAMS) await copyFile(join(checksDir, `${program}.c`), join(dir, `${program}.c`));
  await copyFile(join(moduleDir, 'kshram.h'), join(dir, 'kshram.h'));
  return dir;
}

/** `kshram-lab grade ARGS`, owned by the test (test/owned.ts). */
async function grade(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', ...args], { env: { ...process.env, NO_COLOR: '1' } });
}

describe('grading with a folder of check programs (--checks)', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kshram-checks-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.concurrent('builds and runs the programs of the folder: ours, copied, score 100/100', async () => {
    const dir = await copyChecks('ours');
    const run = await grade(moduleDir, '--checks', dir, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as GradeReport;
    expect(report.total).toBe(100);
    expect(report.checks).toBe('custom');
  });

  it.concurrent('judges their output like ours: a failure printed with exit status 0 fails the item', async () => {
    const dir = await copyChecks('lying');
    const source = await readFile(join(dir, 'check_fork.c'), 'utf8');
    expect(source).toContain('\t\tprintf("PASSED\\n");');
    await writeFile(join(dir, 'check_fork.c'), source.replace('\t\tprintf("PASSED\\n");', '\t\tprintf("size 4096 incorrect!\\n");'));
    const run = await grade(moduleDir, '--checks', dir, '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as GradeReport;
    expect(report.items.map((i) => i.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'not-run']);
    expect(report.items[6]!.summary).toBe('check_fork exited 0 but did not print its success output (every round "PASSED" and "done.", or our "PASSED"): size 4096 incorrect!');
    expect(report.total).toBe(75);
  });

  it.concurrent('judges TAP-style checks as TAP: "ok - ..." lines and a "0 failed" summary score 100/100', async () => {
    const dir = join(work, 'tap');
    await mkdir(dir);
    for (const program of CHECK_PROGRAMS) await copyFile(join(TAP_CHECKS, `${program}.c`), join(dir, `${program}.c`));
    const run = await grade(moduleDir, '--checks', dir, '--json');
    const report = JSON.parse(run.stdout) as GradeReport;
    expect(report.items.map((i) => `${i.id} ${i.status} ${i.summary ?? ''}`)).toEqual([
      expect.stringMatching(/^1 pass /),
      '2 pass hello.ko loaded',
      '3 pass /dev/kshram0..7 created',
      '4 pass kshram unloaded; the system is still running',
      '5 pass check_msg passed twice',
      '6 pass check_resize passed (24 TAP tests)',
      '7 pass check_fork passed (4 TAP tests)',
      '8 pass kshram unloaded; the system is still running',
    ]);
    expect(report.total).toBe(100);
    expect(run.code).toBe(0);
  });

  it('names every missing program, and a program that does not compile, before booting', async () => {
    const partial = join(work, 'partial');
    await mkdir(partial);
    await copyFile(join(checksDir, 'check_msg.c'), join(partial, 'check_msg.c'));
    const missing = await grade(moduleDir, '--checks', partial);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error: The checks directory ${partial} lacks check_resize.c, check_fork.c.`);
    expect(missing.stderr).toContain('hint: A checks directory holds check_msg.c, check_resize.c, check_fork.c; kshram.h is optional');

    const nowhere = await grade(moduleDir, '--checks', join(work, 'nowhere'));
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`error: The checks directory ${join(work, 'nowhere')} does not exist.`);

    const broken = await copyChecks('broken');
    await writeFile(join(broken, 'check_resize.c'), 'int main(void) { return undeclared; }\n');
    const failed = await grade(moduleDir, '--checks', broken);
    expect(failed.code).toBe(2);
    const file = join(broken, 'check_resize.c');
    expect(failed.stderr).toContain(`error: Compiling check_resize (${file}) failed:\n${file}: In function 'main':\n${file}:1:25: error: 'undeclared' undeclared`);
    expect(failed.stderr).toContain(`hint: Fix ${file}, or leave out --checks to use the built-in check programs.`);
  });
});
