import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isInside } from '../paths.js';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { cacheDir } from '../paths.js';
import { compatDisabled, finishCompat, prepareCompat, type CompatReport, type KernelVersion } from './compat.js';
import { charColumns, GCC_BYTE_COLUMNS, parseDiagnostics, type Diagnostic } from './diagnostics.js';
import { keepModObject, loadRecipe, modObjectsDir, readRecipe, recipeKey, recipeScript, replaySummary, saveRecipe } from './replay.js';
import { refusedPaths } from './sandbox.js';
import type { RunResult } from '../process.js';
import type { Toolchain } from './toolchain.js';

/** A kshram module builds in about a second; anything near this is stuck. */
const MODULE_BUILD_TIMEOUT_MS = 120_000;
/** Source files larger than this are not a student's module (also the most the crash decoder quotes from). */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export interface ModuleSource {
  /** Directory with NAME.c (and any other .c/.h it needs). */
  dir: string;
  /** Module name: NAME.c builds NAME.ko. */
  name: string;
  /** Headers to supply when the directory lacks them (e.g. the seed's kshram.h). */
  fallbackHeaders?: readonly string[];
}

export interface ModuleBuildOptions {
  kit: Kit;
  toolchain: Toolchain;
  /** Extra compiler flags, passed as KCFLAGS. */
  kcflags?: readonly string[];
  /** Where the build directory goes; a fresh one under the cache by default. */
  workDir?: string;
  /** Course-kernel compatibility shims (compat.ts); on unless false. */
  compat?: boolean;
  /** The kernel the source is written for; the course's 6.2 by default. */
  compatTarget?: KernelVersion;
  /** Replay kbuild's recorded commands when only the sources changed (replay.ts); on unless false. */
  replay?: boolean;
}

export interface ModuleBuildResult {
  ok: boolean;
  /** The built module, inside the build directory. */
  koPath?: string;
  buildDir: string;
  /** The names of the submission's files copied into buildDir and compiled there ("kshram.c", "kshram.h"). */
  sources: string[];
  log: string;
  diagnostics: Diagnostic[];
  /** Which compatibility shims the build used and what each line concerned needs. */
  compat: CompatReport;
  elapsedMs: number;
  /** Built elsewhere (a course-service upload) and used as it is: its sources are not in buildDir. */
  prebuilt?: boolean;
  /** Built by replaying kbuild's recorded commands (replay.ts) rather than by kbuild itself. */
  replayed?: boolean;
}

/**
 * Builds one out-of-tree module with kbuild in a private copy of its
 * sources, so the user's folder never fills with build products and two
 * builds never race. A generated Kbuild file names the one object; the
 * user's Makefile is not used.
 */
export async function buildModule(source: ModuleSource, options: ModuleBuildOptions): Promise<ModuleBuildResult> {
  const started = Date.now();
  const buildDir = options.workDir ?? join(cacheDir(), 'builds', `${source.name}-${randomBytes(6).toString('hex')}`);
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(buildDir, { recursive: true });
  const sources = await copySources(source, buildDir);
  // byte columns (see GCC_BYTE_COLUMNS), through cc-option so a compiler without the flag still builds
  const kbuild = `obj-m := ${source.name}.o\nccflags-y := $(call cc-option,${GCC_BYTE_COLUMNS})\n`;
  await writeFile(join(buildDir, 'Kbuild'), kbuild);

  const mainFile = `${source.name}.c`;
  const compat = options.compat === false ? undefined : await prepareCompat(join(buildDir, mainFile), buildDir, options.kit, options.compatTarget);
  const kcflags = [...(compat?.kcflags ?? []), ...(options.kcflags ?? [])];
  const mounts = [...kitBuildTree(options.kit), ...(compat?.mounts ?? [])];
  const koPath = join(buildDir, `${source.name}.ko`);
  const key = options.replay === false ? undefined : await recipeKey({ kit: options.kit, toolchain: options.toolchain, name: source.name, buildDir, kcflags, mounts, kbuild, sources });
  const recipe = key === undefined ? undefined : await loadRecipe(key);
  let result = recipe === undefined || key === undefined ? undefined : await replay(recipe, key, buildDir, source.name, options, mounts);
  const replayed = result !== undefined;
  if (result === undefined) {
    const command = ['make', '-C', options.kit.buildDirPath, `M=${buildDir}`, 'modules'];
    const env = kcflags.length ? { KCFLAGS: kcflags.join(' ') } : undefined;
    result = await options.toolchain.exec(command, { cwd: buildDir, mounts, writable: [buildDir], timeoutMs: MODULE_BUILD_TIMEOUT_MS, env });
    if (key !== undefined && result.code === 0 && existsSync(koPath)) {
      const recorded = await readRecipe(buildDir, source.name);
      if (recorded !== undefined && recorded !== recipe) await saveRecipe(key, recorded);
    }
  }
  if (key !== undefined && result.code === 0 && existsSync(koPath)) await keepModObject(key, buildDir, source.name);
  const log = result.timedOut ? `${result.output}\nbuild stopped after ${MODULE_BUILD_TIMEOUT_MS / 1000} s` : result.output;
  const parsed = charColumns(parseDiagnostics(log, buildDir, mainFile), (file) => (isAbsolute(file) ? undefined : readSource(join(buildDir, file))));
  const finished = compat ? finishCompat(compat, parsed, mainFile, buildDir) : undefined;
  const diagnostics = finished?.diagnostics ?? parsed;
  for (const path of result.code === 0 ? [] : refusedPaths(log, [buildDir, ...kitBuildTree(options.kit)])) {
    diagnostics.push({ file: mainFile, line: 1, column: 1, severity: 'error', message: `${path} is outside the build sandbox: a build sees only your module's folder, the kit's build tree and the compiler` });
  }
  const ok = result.code === 0 && existsSync(koPath) && !finished?.failed;
  if (!ok && !diagnostics.some((d) => d.severity === 'error')) {
    // make failed without a located error (missing tool, timeout): keep the reason visible
    const reason = log.trim().split('\n').slice(-3).join(' ').slice(0, 500) || `make exited with ${result.code}`;
    diagnostics.push({ file: `${source.name}.c`, line: 1, column: 1, severity: 'error', message: reason });
  }
  const compatReport = finished?.report ?? compatDisabled(options.compatTarget);
  return { ok, koPath: ok ? koPath : undefined, buildDir, sources, log, diagnostics, compat: compatReport, elapsedMs: Date.now() - started, replayed };
}

/**
 * Runs a recipe's commands in the build sandbox, from the kit's build
 * directory as make does. Its result when the module was made, its output
 * kbuild-like lines (the recipe echoes them) and a last one saying it was
 * a replay; otherwise undefined, with whatever it left removed, so kbuild
 * starts as on a fresh copy (a compile error is then reported by kbuild
 * itself, and its log is kbuild's alone).
 */
async function replay(recipe: string, key: string, buildDir: string, name: string, options: ModuleBuildOptions, mounts: string[]): Promise<RunResult | undefined> {
  const modObjects = modObjectsDir(key);
  const script = recipeScript(recipe, buildDir, modObjects);
  if (script === undefined) return undefined;
  await mkdir(modObjects, { recursive: true });
  const before = new Set(await readdir(buildDir));
  const started = Date.now();
  const result = await options.toolchain.exec(['sh', '-c', script], { cwd: options.kit.buildDirPath, mounts: [...mounts, modObjects], writable: [buildDir], timeoutMs: MODULE_BUILD_TIMEOUT_MS });
  if (result.code === 0 && !result.timedOut && existsSync(join(buildDir, `${name}.ko`))) {
    // gcc writes the dependency file of what it compiles: without it, the kept object was copied
    const reused = !existsSync(join(buildDir, `.${name}.mod.o.d`));
    const output = result.output.endsWith('\n') || result.output === '' ? result.output : `${result.output}\n`;
    return { ...result, output: `${output}${replaySummary(name, Date.now() - started, reused)}\n` };
  }
  for (const name of await readdir(buildDir)) {
    if (!before.has(name)) await rm(join(buildDir, name), { recursive: true, force: true });
  }
  return undefined;
}

/** kbuild's short output (`  CC [M]  DIR/kshram.o`), and a replay's last line. */
const STEP_LINE = /^ {2}[A-Z][A-Z0-9_]*(?: \[M\])? +\S|^Replayed kbuild's recorded commands/;

/**
 * The lines of a build's log that say what it did, without the compiler's
 * messages (shown as diagnostics) or make's chatter: what the CLI prints.
 */
export function buildSteps(log: string): string[] {
  return log.split('\n').filter((line) => STEP_LINE.test(line));
}

/**
 * What a build of a module reads from the kit: its whole folder (a Debian
 * kit's headers link to their -common and kbuild siblings in it) and the
 * build directory, when it lies elsewhere (/usr/src).
 */
export function kitBuildTree(kit: Kit): string[] {
  return isInside(kit.dir, kit.buildDirPath) ? [kit.dir] : [kit.dir, kit.buildDirPath];
}

function readSource(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Copies the module's .c and .h files (and the fallback headers it lacks) into buildDir; returns their names. */
async function copySources(source: ModuleSource, buildDir: string): Promise<string[]> {
  const main = join(source.dir, `${source.name}.c`);
  if (!existsSync(main)) {
    throw new LabError('WORKSPACE_INVALID', `There is no ${source.name}.c in ${source.dir}.`, `Put your module's source in ${source.name}.c.`);
  }
  const names = await readdir(source.dir);
  const folder = await realpath(source.dir);
  const copied: string[] = [];
  for (const name of names) {
    if (!/\.[ch]$/.test(name)) continue;
    const from = join(source.dir, name);
    if ((await lstat(from)).isSymbolicLink()) {
      // a link is followed only inside the folder: kshram.h -> /etc/shadow would put the file into the build's messages
      const target = await realpath(from).catch(() => undefined);
      if (target === undefined || !isInside(folder, target)) {
        throw new LabError('WORKSPACE_INVALID', `${name} is a link to ${target ?? 'nothing'}, outside ${source.dir}.`, `Put the file itself into the folder instead of a link.`);
      }
    }
    const info = await stat(from);
    if (!info.isFile()) continue;
    if (info.size > MAX_SOURCE_BYTES) {
      throw new LabError('WORKSPACE_INVALID', `${name} is ${info.size} bytes, more than a module source can sensibly be.`, `Keep sources under ${MAX_SOURCE_BYTES / 1024} KiB.`);
    }
    await copyFile(from, join(buildDir, name));
    copied.push(name);
  }
  for (const header of source.fallbackHeaders ?? []) {
    const name = header.split('/').pop()!;
    if (names.includes(name)) continue;
    await copyFile(header, join(buildDir, name));
    copied.push(name);
  }
  return copied;
}
