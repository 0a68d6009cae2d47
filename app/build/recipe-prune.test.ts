import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneRecipes, RECIPE_IN_USE_MS, RECIPE_UNUSED_MS, RECIPES_KEPT } from './recipe-prune.js';
import { loadRecipe, saveRecipe } from './replay.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const now = Date.now();
let parent: string;
let dir: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'kshram-prune-'));
  dir = join(parent, 'rebuild');
  await mkdir(dir);
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const keyOf = (n: number): string => n.toString(16).padStart(24, '0');

/** A recipe last used `ageMs` ago, with a kept kshram.mod.o. */
async function recipe(n: number, ageMs: number): Promise<string> {
  const key = keyOf(n);
  const objects = join(dir, `${key}.mod`, 'a'.repeat(64));
  await mkdir(objects, { recursive: true });
  await writeFile(join(objects, 'kshram.mod.o'), 'object');
  await writeFile(join(dir, `${key}.sh`), 'recipe');
  await age(join(dir, `${key}.sh`), ageMs);
  await age(join(dir, `${key}.mod`), ageMs);
  return key;
}

async function age(path: string, ageMs: number): Promise<void> {
  const when = new Date(now - ageMs);
  await utimes(path, when, when);
}

const recipesLeft = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.sh')).map((n) => n.slice(0, -3)).sort();

describe('pruning rebuild recipes', () => {
  it('keeps the most recently used, with their objects, and drops the rest whole', async () => {
    const keys: string[] = [];
    for (let i = 0; i < RECIPES_KEPT + 4; i++) keys.push(await recipe(i, (i + 1) * DAY));
    const removed = await pruneRecipes(dir, now);
    expect(removed.sort()).toEqual(keys.slice(RECIPES_KEPT).sort());
    expect(await recipesLeft()).toEqual(keys.slice(0, RECIPES_KEPT).sort());
    for (const key of keys) expect(existsSync(join(dir, `${key}.mod`)), key).toBe(!removed.includes(key));
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('drops a recipe unused for a month even among the newest', async () => {
    const fresh = await recipe(1, DAY);
    const stale = await recipe(2, RECIPE_UNUSED_MS + DAY);
    expect(await pruneRecipes(dir, now)).toEqual([stale]);
    expect(await recipesLeft()).toEqual([fresh]);
  });

  it('never removes a recipe a build may be replaying right now', async () => {
    const keys: string[] = [];
    // more recipes than kept, every one used a moment ago (builds of many flag sets at once)
    for (let i = 0; i < RECIPES_KEPT + 2; i++) keys.push(await recipe(i, RECIPE_IN_USE_MS / 2));
    expect(await pruneRecipes(dir, now)).toEqual([]);
    expect(await recipesLeft()).toEqual(keys.sort());
  });

  it('removes objects whose recipe is gone and dead writers\' staging, nothing else', async () => {
    const key = await recipe(1, DAY);
    const orphan = join(dir, `${keyOf(2)}.mod`);
    await mkdir(orphan);
    await age(orphan, DAY);
    const youngOrphan = join(dir, `${keyOf(3)}.mod`);
    await mkdir(youngOrphan);
    const staging = join(dir, `${keyOf(4)}.0123abcd.tmp`);
    await writeFile(staging, 'half');
    await age(staging, DAY);
    const writing = join(dir, `${keyOf(5)}.89abcdef.tmp`);
    await writeFile(writing, 'half');
    const foreign = join(dir, 'notes.txt');
    await writeFile(foreign, 'mine');
    await age(foreign, 365 * DAY);
    const outside = join(parent, `${keyOf(6)}.sh`);
    await writeFile(outside, 'not in the folder');
    await age(outside, 365 * DAY);

    await pruneRecipes(dir, now);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(staging)).toBe(false);
    for (const kept of [youngOrphan, writing, foreign, outside, join(dir, `${key}.sh`), join(dir, `${key}.mod`)]) expect(existsSync(kept), kept).toBe(true);
  });

  it('prunes when a recipe is written, and a use makes a recipe the newest', async () => {
    const saved = process.env.KSHRAM_LAB_CACHE;
    process.env.KSHRAM_LAB_CACHE = parent;
    try {
      const keys: string[] = [];
      for (let i = 0; i < RECIPES_KEPT; i++) keys.push(await recipe(i, (i + 1) * DAY));
      const oldest = keys[RECIPES_KEPT - 1]!;
      expect(await loadRecipe(oldest)).toBe('recipe');
      expect(Date.now() - (await stat(join(dir, `${oldest}.sh`))).mtimeMs).toBeLessThan(MINUTE);
      await saveRecipe(keyOf(0xfff), 'new recipe');
      // the new one and the one just used stay; the least recently used goes
      expect(await recipesLeft()).toEqual([...keys.slice(0, RECIPES_KEPT - 2), oldest, keyOf(0xfff)].sort());
    } finally {
      if (saved === undefined) delete process.env.KSHRAM_LAB_CACHE;
      else process.env.KSHRAM_LAB_CACHE = saved;
    }
  });

  it('does nothing when the folder is not there', async () => {
    expect(await pruneRecipes(join(parent, 'missing'), now)).toEqual([]);
  });
});
