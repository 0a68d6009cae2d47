import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kit } from '../kit/kit.js';
import { cacheDir } from '../paths.js';
import { pruneRecipes } from './recipe-prune.js';
import type { Toolchain } from './toolchain.js';

/**
 * A rebuild without kbuild's fixed cost. kbuild reads the kernel's
 * Makefiles on every build (~1.5 s of CPU here) before it compiles a line;
 * the commands it then runs for one module (compile + objtool, modpost,
 * compile of NAME.mod.c, link) are always the same for a kit, toolchain,
 * set of flags and source file names. A full kbuild records them in its
 * `.cmd` files; we keep them as a recipe and a later build with the same
 * key replays them in the same sandbox, in the kit's build directory as
 * make would. Only the sources' content may differ: the recipe is keyed
 * by everything else, and any failure of a replay falls back to kbuild.
 */

/** The targets kbuild makes for obj-m := NAME.o, in the order it makes them. */
const TARGETS = (name: string): string[] => [`${name}.o`, `${name}.mod`, 'modules.order', 'Module.symvers', `${name}.mod.o`, `${name}.ko`];
/** kbuild's short output for a target (its quiet_cmd_*), printed before the command as make does; none for the silent ones. */
const QUIET_TAGS = (name: string): Record<string, string> => ({ [`${name}.o`]: 'CC [M] ', 'Module.symvers': 'MODPOST', [`${name}.mod.o`]: 'CC [M] ', [`${name}.ko`]: 'LD [M] ' });
/** A module name the recipe can echo unquoted; kbuild's own names are no wilder. */
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;
/** Stands for the build directory in a stored recipe (each build has its own). */
const BUILD_DIR_MARK = '@KSHRAM_BUILD_DIR@';
/** Stands for the folder of kept NAME.mod.o objects (modObjectsDir). */
const MOD_OBJECTS_MARK = '@KSHRAM_MOD_OBJECTS@';
/** A build directory the recipe can name unquoted, as kbuild does. */
const SHELL_SAFE_PATH = /^\/[A-Za-z0-9_./+-]+$/;
/** Bump when the recipe's format or what it holds changes. */
const RECIPE_VERSION = '4';

/** Where recipes are kept, one file per key. */
export const recipeCacheDir = (): string => join(cacheDir(), 'rebuild');

export interface RecipeKeyInput {
  kit: Kit;
  toolchain: Toolchain;
  name: string;
  buildDir: string;
  /** The KCFLAGS of the build (compat's included, which name the build directory). */
  kcflags: readonly string[];
  /** Read-only folders the build sees besides the kit (compat's shims). */
  mounts: readonly string[];
  /** The generated Kbuild file's text. */
  kbuild: string;
  /** The names of the sources copied into the build directory. */
  sources: readonly string[];
}

/**
 * The recipe's key: everything that shapes kbuild's commands but the
 * sources' content. A reinstalled kit (its Makefile, .config or symbols)
 * or another compiler makes a new key.
 */
export async function recipeKey(input: RecipeKeyInput): Promise<string | undefined> {
  if (!SHELL_SAFE_PATH.test(input.buildDir)) return undefined;
  const hash = createHash('sha256').update(RECIPE_VERSION).update('\0').update(await input.toolchain.identity());
  const parts = [input.kit.kernelRelease, input.kit.buildDirPath, input.name, input.kbuild, ...input.kcflags.map((f) => f.split(input.buildDir).join(BUILD_DIR_MARK)), '--', ...input.mounts, '--', ...[...input.sources].sort()];
  for (const part of parts) hash.update('\0').update(part);
  for (const file of ['Makefile', '.config', 'Module.symvers', 'scripts/mod/modpost', 'tools/objtool/objtool']) {
    const info = await stat(join(input.kit.buildDirPath, file)).catch(() => undefined);
    hash.update(`\0${file} ${info?.size ?? '-'} ${info?.mtimeMs ?? '-'}`);
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The shell script of the commands kbuild recorded in buildDir, the build
 * directory replaced by a mark; undefined when any is missing or not what
 * kbuild writes. Only each file's first line is read: it is make's own
 * command text (`cmd_TARGET := ...`), while the lines after it list the
 * headers the source included, whose names the source chooses.
 */
export async function readRecipe(buildDir: string, name: string): Promise<string | undefined> {
  if (!SHELL_SAFE_PATH.test(buildDir) || !SAFE_NAME.test(name)) return undefined;
  const steps: string[] = [];
  for (const target of TARGETS(name)) {
    const text = await readFile(join(buildDir, `.${target}.cmd`), 'utf8').catch(() => undefined);
    const first = text?.split('\n', 1)[0];
    const prefix = new RegExp(`^(?:saved)?cmd_${escapeRegExp(join(buildDir, target))} := `);
    if (first === undefined || !prefix.test(first)) return undefined;
    // make's escapes in .cmd files: $ as $$, # as $(pound)
    const command = first.replace(prefix, '').replaceAll('$(pound)', '#').replaceAll('$$', '$');
    if (command.includes(BUILD_DIR_MARK) || command.includes(MOD_OBJECTS_MARK)) return undefined;
    const step = `${quietLine(name, target)}${command.split(buildDir).join(BUILD_DIR_MARK)}`;
    steps.push(target === `${name}.mod.o` ? reusedModObjectStep(name, step) : step);
    if (target === `${name}.o`) steps.push(symbolVersionsStep(name));
  }
  // as make runs each: sh -c 'set -e; COMMAND'
  return `${steps.map((step) => `(set -e; ${step})`).join(' &&\n')}\n`;
}

/**
 * The line kbuild's short output shows for a target (`  CC [M]  DIR/NAME.o`),
 * so a replayed build's log reads like kbuild's and a compiler warning
 * follows the line of the step that gave it.
 */
function quietLine(name: string, target: string): string {
  const tag = QUIET_TAGS(name)[target];
  return tag === undefined ? '' : `echo '  ${tag} ${BUILD_DIR_MARK}/${target}'; `;
}

/** The line a replayed build's log ends with: what ran instead of kbuild, and how long it took. */
export function replaySummary(name: string, elapsedMs: number, reusedModObject: boolean): string {
  const reused = reusedModObject ? `, reused ${name}.mod.o (${name}.mod.c unchanged)` : '';
  return `Replayed kbuild's recorded commands${reused} in ${(elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * What kbuild does after the compile that the recipe cannot replay: with
 * CONFIG_MODVERSIONS an object that exports symbols gets their CRCs
 * (genksyms) appended to its .cmd file, which modpost reads. A module that
 * exports nothing needs only the file; one that exports ends the replay,
 * and kbuild builds it.
 */
function symbolVersionsStep(name: string): string {
  const object = `${BUILD_DIR_MARK}/${name}.o`;
  // the bytes, not nm's listing (0.2 s of a 1.5 s rebuild here): an export puts __ksymtab_NAME in the
  // string table; a false match (the word in a string) only costs a kbuild
  return `(set -e; if grep -q -a __ksymtab ${object}; then echo '${name}.o may export symbols: left to kbuild' >&2; exit 1; fi; : > ${BUILD_DIR_MARK}/.${name}.o.cmd)`;
}

/**
 * The compile of NAME.mod.c (modpost's list of the kernel symbols the
 * module uses, their CRCs, vermagic) is the second gcc run of a rebuild;
 * an edit that calls no new kernel function gives the same NAME.mod.c,
 * so its object is kept by the file's hash (keepModObject) and copied.
 */
function reusedModObjectStep(name: string, compile: string): string {
  const kept = `${MOD_OBJECTS_MARK}/$(sha256sum < ${BUILD_DIR_MARK}/${name}.mod.c | cut -c1-64)/${name}.mod.o`;
  return `if [ -f ${kept} ]; then cp ${kept} ${BUILD_DIR_MARK}/${name}.mod.o; else ${compile}; fi`;
}

/** The folder of kept NAME.mod.o objects of one recipe, one subfolder per NAME.mod.c hash. */
export const modObjectsDir = (key: string): string => join(recipeCacheDir(), `${key}.mod`);

/** Keeps a build's NAME.mod.o under its NAME.mod.c's hash, for the next replay of this recipe. */
export async function keepModObject(key: string, buildDir: string, name: string): Promise<void> {
  const source = await readFile(join(buildDir, `${name}.mod.c`)).catch(() => undefined);
  if (!source) return;
  const dir = join(modObjectsDir(key), createHash('sha256').update(source).digest('hex'));
  if (existsSync(dir)) return;
  const staging = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(staging, { recursive: true });
    await copyFile(join(buildDir, `${name}.mod.o`), join(staging, `${name}.mod.o`));
    // whole or not at all; another build keeping the same object first is as good
    await rename(staging, dir).catch(() => undefined);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The script of a recipe for one build directory. */
export function recipeScript(recipe: string, buildDir: string, modObjects: string): string | undefined {
  if (!SHELL_SAFE_PATH.test(buildDir) || !SHELL_SAFE_PATH.test(modObjects)) return undefined;
  return recipe.split(BUILD_DIR_MARK).join(buildDir).split(MOD_OBJECTS_MARK).join(modObjects);
}

/** The recipe of a key, marked as used now: pruneRecipes keeps the most recently used. */
export async function loadRecipe(key: string): Promise<string | undefined> {
  const path = join(recipeCacheDir(), `${key}.sh`);
  const recipe = await readFile(path, 'utf8').catch(() => undefined);
  if (recipe !== undefined) {
    const now = new Date();
    // pruned meanwhile: this build still has the text it read
    await utimes(path, now, now).catch(() => undefined);
  }
  return recipe;
}

/** Keeps a recipe, written whole (rename) so a reader never sees half of one; prunes the old ones. */
export async function saveRecipe(key: string, recipe: string): Promise<void> {
  const dir = recipeCacheDir();
  await mkdir(dir, { recursive: true });
  const staging = join(dir, `${key}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(staging, recipe);
    await rename(staging, join(dir, `${key}.sh`));
  } finally {
    await rm(staging, { force: true });
  }
  await pruneRecipes(dir);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
