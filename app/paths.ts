import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: app/ lives right under it. */
export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const moduleDir = join(projectRoot, 'module');
export const helloModuleDir = join(moduleDir, 'hello');
export const checksDir = join(moduleDir, 'checks');
export const guestResourcesDir = join(projectRoot, 'resources', 'guest');
export const kitRecipesDir = join(projectRoot, 'resources', 'kits');

/** Per-user cache for kits and build products; never inside the repository. */
export function cacheDir(): string {
  const override = process.env.KSHRAM_LAB_CACHE;
  if (override) return resolve(override);
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Caches', 'kshram-lab');
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'kshram-lab');
}

export const kitsDir = (): string => join(cacheDir(), 'kits');
export const programsCacheDir = (): string => join(cacheDir(), 'programs');
