import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Keeps the rebuild recipes' folder (replay.ts) from growing forever: a
 * new kit, other flags or another file name each make a new key, and the
 * old recipe (with its kept NAME.mod.o objects) is never read again.
 * A recipe's mtime is its last use (loadRecipe touches it).
 */

/** Recipes kept however old: a student switching between a few kits and flag sets keeps all of them. */
export const RECIPES_KEPT = 16;
/** A recipe unused this long goes even among the newest: its kit or compiler is most likely gone. */
export const RECIPE_UNUSED_MS = 30 * 24 * 60 * 60_000;
/** A recipe used this recently may be replaying right now (a build may take up to 2 min): never removed. */
export const RECIPE_IN_USE_MS = 10 * 60_000;
/** A writer's staging file or folder this old belongs to a process that died mid-write. */
const STALE_STAGING_MS = 60 * 60_000;

/** What the folder holds: KEY.sh (the recipe), KEY.mod/ (its kept objects), KEY.RANDOM.tmp (a writer's staging). */
const RECIPE_FILE = /^([0-9a-f]{24})\.sh$/;
const MOD_OBJECTS = /^([0-9a-f]{24})\.mod$/;
const STAGING = /^[0-9a-f]{24}\.[0-9a-f]{8}\.tmp$/;
/** Renamed away before removal, so a reader sees a recipe's objects whole or not at all. */
const DISCARDED_PREFIX = '.discarded-';

/**
 * Removes the recipes (and their objects) beyond the RECIPES_KEPT most
 * recently used or unused for RECIPE_UNUSED_MS, objects whose recipe is
 * gone, and what dead writers left. Only names this cache writes are
 * touched: anything else in `dir` stays, and nothing outside it goes.
 * Returns the keys removed.
 */
export async function pruneRecipes(dir: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const recipes: { key: string; usedMs: number }[] = [];
  for (const name of names) {
    const key = RECIPE_FILE.exec(name)?.[1];
    const info = key === undefined ? undefined : await stat(join(dir, name)).catch(() => undefined);
    if (key !== undefined && info?.isFile()) recipes.push({ key, usedMs: info.mtimeMs });
  }
  recipes.sort((a, b) => b.usedMs - a.usedMs);
  const removed = recipes.filter((recipe, rank) => now - recipe.usedMs > RECIPE_IN_USE_MS && (rank >= RECIPES_KEPT || now - recipe.usedMs > RECIPE_UNUSED_MS)).map((recipe) => recipe.key);
  for (const key of removed) {
    // the recipe first: a build that reads it after this kbuilds and makes a new one
    await rm(join(dir, `${key}.sh`), { force: true });
    await discard(dir, `${key}.mod`);
  }
  const kept = new Set(recipes.map((recipe) => recipe.key).filter((key) => !removed.includes(key)));
  // objects whose recipe is gone (pruned by another build, or a dead writer's); their own removals are done
  for (const name of names) {
    const key = MOD_OBJECTS.exec(name)?.[1];
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info === undefined) continue;
    const age = now - info.mtimeMs;
    if (key !== undefined && !kept.has(key) && age > RECIPE_IN_USE_MS) await discard(dir, name);
    else if (STAGING.test(name) && age > STALE_STAGING_MS) await rm(join(dir, name), { recursive: true, force: true });
    else if (name.startsWith(DISCARDED_PREFIX) && age > STALE_STAGING_MS) await rm(join(dir, name), { recursive: true, force: true });
  }
  return removed;
}

/** Renames `name` away, then removes it; gone already is fine. */
async function discard(dir: string, name: string): Promise<void> {
  const gone = join(dir, `${DISCARDED_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(join(dir, name), gone);
  } catch {
    return;
  }
  await rm(gone, { recursive: true, force: true });
}
