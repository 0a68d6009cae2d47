import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../grade/runner.js';
import { loadKit, type Kit } from '../kit/kit.js';
import { runOwned } from '../../test/owned.js';
import { moduleDir, projectRoot } from '../paths.js';
import { run } from '../process.js';
import { buildModule, buildSteps, type ModuleBuildResult } from './module.js';
import { NativeToolchain } from './toolchain.js';

/** The sections whose bytes must not depend on how the module was built (debug info names the build folder). */
const COMPARED_SECTIONS = ['.text', '.data', '.rodata', '.modinfo', '__versions', '__mcount_loc', '.gnu.linkonce.this_module', '.init.text', '.exit.text'];

let kit: Kit;
const toolchain = new NativeToolchain();
let work: string;
let cache: string;
const saved = process.env.KSHRAM_LAB_CACHE;

beforeAll(async () => {
  kit = await loadKit();
  work = await mkdtemp(join(tmpdir(), 'kshram-replay-'));
  cache = join(work, 'cache');
});
afterAll(async () => {
  restoreCache();
  await rm(work, { recursive: true, force: true });
});

function restoreCache(): void {
  if (saved === undefined) delete process.env.KSHRAM_LAB_CACHE;
  else process.env.KSHRAM_LAB_CACHE = saved;
}

/** A workspace holding the reference module, with `extra` appended to kshram.c. */
async function workspace(name: string, extra = ''): Promise<string> {
  const dir = join(work, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await copyFile(join(moduleDir, 'kshram.h'), join(dir, 'kshram.h'));
  await writeFile(join(dir, 'kshram.c'), `${await readFile(join(moduleDir, 'kshram.c'), 'utf8')}${extra}`);
  return dir;
}

let builds = 0;
async function build(dir: string, replay = true): Promise<ModuleBuildResult> {
  process.env.KSHRAM_LAB_CACHE = cache;
  try {
    return await buildModule({ dir, name: 'kshram' }, { kit, toolchain, replay, workDir: join(work, `build-${builds++}`) });
  } finally {
    restoreCache();
  }
}

async function sectionTable(ko: string): Promise<string> {
  const result = await run('readelf', ['-SW', ko]);
  // name, type, size of each section; addresses and offsets follow from those
  return [...result.output.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).join('\n');
}

async function sectionBytes(ko: string, section: string): Promise<string> {
  const out = join(work, `section-${builds++}`);
  const result = await run('objcopy', ['-O', 'binary', `--only-section=${section}`, ko, out]);
  expect(result.code).toBe(0);
  return existsSync(out) ? (await readFile(out)).toString('hex') : '';
}

async function modinfo(ko: string): Promise<string> {
  const result = await run('modinfo', [ko]);
  return result.output.split('\n').filter((line) => !line.startsWith('filename:')).join('\n');
}

/** A replay's last line in the log (module.ts), the time in seconds. */
const REPLAY_SUMMARY = /^Replayed kbuild's recorded commands(, reused kshram\.mod\.o \(kshram\.mod\.c unchanged\))? in \d+\.\d s$/;

const located = (r: ModuleBuildResult) => r.diagnostics.map(({ file, line, column, severity, message }) => ({ file, line, column, severity, message }));

describe('a rebuild replays the commands kbuild recorded', () => {
  // a real edit: a new global changes .data and the symbol table, not only a comment
  const edit = '\nint kshram_edit_marker = 42;\n';

  it('makes the same module as kbuild, which loads and grades 100', async () => {
    const first = await build(await workspace('first'));
    expect(first.ok).toBe(true);
    expect(first.replayed).toBe(false);
    expect(readdirSync(join(cache, 'rebuild')).filter((f) => f.endsWith('.sh'))).toHaveLength(1);
    // its kshram.mod.o is kept: the edit below calls no new kernel function, so the replay copies it
    const [kept] = readdirSync(join(cache, 'rebuild')).filter((f) => f.endsWith('.mod'));
    expect(readdirSync(join(cache, 'rebuild', kept!))).toHaveLength(1);

    const edited = await workspace('edited', edit);
    const replayed = await build(edited);
    const kbuilt = await build(edited, false);
    expect(replayed.ok, replayed.log).toBe(true);
    expect(replayed.replayed).toBe(true);
    // copied, not compiled: gcc would have written its dependency file
    expect(existsSync(join(replayed.buildDir, 'kshram.mod.o'))).toBe(true);
    expect(existsSync(join(replayed.buildDir, '.kshram.mod.o.d'))).toBe(false);
    expect(kbuilt.replayed).toBe(false);
    expect(readdirSync(join(cache, 'rebuild', kept!))).toHaveLength(1);
    // its log shows what ran as kbuild's short output does, kshram.mod.o copied rather than compiled
    const dir = replayed.buildDir;
    expect(buildSteps(replayed.log).slice(0, -1)).toEqual([`  CC [M]  ${dir}/kshram.o`, `  MODPOST ${dir}/Module.symvers`, `  LD [M]  ${dir}/kshram.ko`]);
    expect(buildSteps(replayed.log).at(-1)).toMatch(REPLAY_SUMMARY);
    expect(buildSteps(replayed.log).at(-1)).toContain('reused kshram.mod.o');
    expect(buildSteps(kbuilt.log)).toContain(`  CC [M]  ${kbuilt.buildDir}/kshram.o`);
    expect(buildSteps(kbuilt.log).join('\n')).not.toContain('Replayed');
    const [a, b] = [replayed.koPath!, kbuilt.koPath!];
    expect(await sectionTable(a)).toBe(await sectionTable(b));
    expect(await modinfo(a)).toBe(await modinfo(b));
    expect(await modinfo(a)).toContain(`vermagic:       ${kit.kernelRelease} `);
    for (const section of COMPARED_SECTIONS) expect(await sectionBytes(a, section), section).toBe(await sectionBytes(b, section));
    const symbols = await run('nm', [a]);
    expect(symbols.output).toContain('kshram_edit_marker');

    const report = await gradeSubmission(edited, { kit: kit.name, prebuiltKo: a });
    expect(report.total, JSON.stringify(report.items.map((i) => `${i.id} ${i.points}/${i.max} ${i.summary ?? ""}`))).toBe(100);
  }, 300_000);

  it('reports a warning as kbuild does', async () => {
    const dir = await workspace('warning', '\nstatic int kshram_unused_helper(void)\n{\n\tint unused;\n\treturn 0;\n}\n');
    const replayed = await build(dir);
    const kbuilt = await build(dir, false);
    expect(replayed.replayed).toBe(true);
    expect(located(replayed).length).toBeGreaterThan(0);
    expect(located(replayed)).toEqual(located(kbuilt));
    // the compiler's own text is in the log too, after the step that gave it, as in kbuild's
    const log = replayed.log.split('\n');
    const compile = log.indexOf(`  CC [M]  ${replayed.buildDir}/kshram.o`);
    const warning = log.findIndex((line) => line.includes("warning: unused variable 'unused'"));
    expect(compile, replayed.log).toBeGreaterThanOrEqual(0);
    expect(warning, replayed.log).toBeGreaterThan(compile);
    expect(log.filter(Boolean).at(-1)).toMatch(REPLAY_SUMMARY);
  }, 120_000);

  it('leaves a failing build to kbuild, with its diagnostics', async () => {
    const dir = await workspace('error', '\nstatic int kshram_broken(void)\n{\n\treturn undeclared_name;\n}\n');
    const replayed = await build(dir);
    const kbuilt = await build(dir, false);
    expect(replayed.ok).toBe(false);
    expect(replayed.replayed).toBe(false);
    // kbuild's log alone: nothing of the replay that was given up
    expect(replayed.log).not.toContain('Replayed');
    expect(replayed.log).toContain(`  CC [M]  ${replayed.buildDir}/kshram.o`);
    expect(located(replayed)).toEqual(located(kbuilt));
    expect(located(replayed).some((d) => d.severity === 'error' && d.message.includes('undeclared_name'))).toBe(true);
  }, 120_000);

  it('leaves a module that exports symbols to kbuild (their CRCs are genksyms work)', async () => {
    const dir = await workspace('exports', '\nint kshram_exported(void)\n{\n\treturn 1;\n}\nEXPORT_SYMBOL_GPL(kshram_exported);\n');
    const result = await build(dir);
    expect(result.ok, result.log).toBe(true);
    expect(result.replayed).toBe(false);
    expect(await sectionBytes(result.koPath!, '__ksymtab_gpl')).not.toBe('');
  }, 120_000);

  it('does not replay with other flags', async () => {
    const dir = await workspace('flags');
    process.env.KSHRAM_LAB_CACHE = cache;
    try {
      const result = await buildModule({ dir, name: 'kshram' }, { kit, toolchain, kcflags: ['-DKSHRAM_OTHER_FLAGS'], workDir: join(work, 'build-flags') });
      expect(result.ok).toBe(true);
      expect(result.replayed).toBe(false);
    } finally {
      restoreCache();
    }
  }, 120_000);
});

describe('kshram-lab build', () => {
  it("prints a replayed rebuild's steps as it prints kbuild's", async () => {
    const dir = await workspace('cli', '\nint kshram_cli_marker = 7;\n');
    const cli = () => runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'build', dir, '--toolchain', 'native', '-o', join(work, 'cli.ko')], { env: { ...process.env, NO_COLOR: '1' } });
    const first = await cli();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^ {2}CC \[M\] {2}\S+\/kshram\.o$/m);
    // the same build again: the first left a recipe for it in the user's cache
    const second = await cli();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^ {2}CC \[M\] {2}\S+\/kshram\.o$/m);
    expect(second.stderr).toMatch(/^ {2}LD \[M\] {2}\S+\/kshram\.ko$/m);
    expect(second.stderr.split('\n')).toContainEqual(expect.stringMatching(REPLAY_SUMMARY));
  }, 120_000);
});
