import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import { CHECK_PROGRAMS } from '../build/programs.js';
import { checksDir, moduleDir, projectRoot } from '../paths.js';
import type { BatchResult } from './batch.js';
import { MESSAGE_GONE } from './judge.js';
import type { GradeReport } from './runner.js';
import { VARIANTS, writeVariant } from '../../test/corpus/variants.js';

/**
 * --checks: a TA grades with the course's own check programs. We do not
 * have them, so these tests hand the grader copies of ours from a temp
 * folder, once as they are and once with check_fork changed to print a
 * failure and still exit 0, which proves the folder's programs are the
 * ones built, run and judged by their output.
 */
/** Checks in the held-out style: every line "ok - ...", the last "0 failed". */
const TAP_CHECKS = fileURLToPath(new URL('./fixtures/tap-checks', import.meta.url));
/** A check_msg written to print as the course's does ("Curr Message:" only when a message is there). */
const COURSE_STYLE_CHECK_MSG = fileURLToPath(new URL('./fixtures/course-style-checks/check_msg.c', import.meta.url));

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

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-checks-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('grading with a folder of check programs (--checks)', () => {

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
    expect(missing.stderr).toContain(`error: The checks directory ${partial} lacks check_resize.c (or a static check_resize), check_fork.c (or a static check_fork).`);
    expect(missing.stderr).toContain("hint: A checks directory holds check_msg.c, check_resize.c, check_fork.c (or the course's static executables check_msg, check_resize, check_fork); kshram.h is optional");

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

describe('item 5 sees a lost message, whichever check_msg prints it', () => {
  it('a module that zeroes slot 0 on open() fails item 5 with a check_msg that prints like the course\'s; the reference keeps 100/100', async () => {
    const dir = await copyChecks('course-style');
    await copyFile(COURSE_STYLE_CHECK_MSG, join(dir, 'check_msg.c'));
    const zero = await writeVariant(VARIANTS.find((v) => v.name === 'zero-on-open')!, join(work, 'zero-on-open'));
    const run = await grade(moduleDir, zero, '--checks', dir, '--jobs', '2', '--json');
    const result = JSON.parse(run.stdout) as BatchResult;
    const [reference, zeroed] = result.entries.map((e) => e.report!);
    expect(reference!.total).toBe(100);
    // the claim is made because it was checked: the second run printed the first one's message
    expect(reference!.items[4]!.summary).toBe('check_msg passed twice; the message persisted between runs');
    expect(reference!.items[4]!.evidence).toMatch(/^Next Message: (M\w+)\n[\s\S]*^Curr Message: \1\n/m);
    expect(zeroed!.items.map((i) => i.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run']);
    expect(zeroed!.items[4]!.summary).toBe(MESSAGE_GONE);
    expect(zeroed!.items[4]!.evidence).not.toContain('Curr Message:');
  });
});

describe('--checks with the course\'s compiled programs (static x86-64 executables)', () => {
  let compiled: string;
  beforeAll(async () => {
    compiled = join(work, 'compiled');
    await mkdir(compiled);
    // our own check programs, compiled the way a course hands them out: static, no sources beside them
    // (check_fork as a static PIE, the other kind of static executable)
    for (const program of CHECK_PROGRAMS) {
      const mode = program === 'check_fork' ? '-static-pie' : '-static';
      const built = await runOwned('cc', [mode, '-O2', `-I${moduleDir}`, '-o', join(compiled, program), join(checksDir, `${program}.c`)], { timeoutMs: 120_000 });
      expect(built.code, built.output).toBe(0);
    }
  });

  it('grades the reference 100/100 with them, judged by the same contracts', async () => {
    const run = await grade(moduleDir, '--checks', compiled, '--json');
    const report = JSON.parse(run.stdout) as GradeReport;
    expect(report.checks).toBe('custom');
    expect(report.items.map((i) => `${i.id} ${i.status}`)).toEqual(['1 pass', '2 pass', '3 pass', '4 pass', '5 pass', '6 pass', '7 pass', '8 pass']);
    expect(report.items[4]!.summary).toBe('check_msg passed twice; the message persisted between runs');
    expect(report.total).toBe(100);
    expect(run.code).toBe(0);
  });

  it('refuses, by name and before booting, a dynamic executable and a file that is no executable', async () => {
    const dynamic = join(work, 'dynamic');
    await mkdir(dynamic);
    for (const program of CHECK_PROGRAMS) await copyFile(join(compiled, program), join(dynamic, program));
    const built = await runOwned('cc', ['-O2', `-I${moduleDir}`, '-o', join(dynamic, 'check_msg'), join(checksDir, 'check_msg.c')], { timeoutMs: 120_000 });
    expect(built.code, built.output).toBe(0);
    const refused = await grade(moduleDir, '--checks', dynamic);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`error: ${join(dynamic, 'check_msg')} is dynamically linked \\(it asks for /lib64/ld-linux-x86-64\\.so\\.2\\): the guest has no C library to load it, so it needs a static build\\.`));
    expect(refused.stderr).toContain('hint: Build it with gcc -static');

    await writeFile(join(dynamic, 'check_msg'), '#!/bin/sh\necho PASSED\n', { mode: 0o755 });
    const script = await grade(moduleDir, '--checks', dynamic);
    expect(script.code).toBe(2);
    expect(script.stderr).toContain(`error: ${join(dynamic, 'check_msg')} is neither C source (.c) nor an ELF executable.`);
  });
});
