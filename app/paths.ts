import { existsSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository (or installed package) root: the nearest folder above this
 * code that holds resources/guest. That is app/'s parent when run from
 * source, and still the root when bundled into Electron's out/main/. In a
 * packaged app the files are unpacked beside the asar archive, where
 * compilers and QEMU can read them.
 */
export const projectRoot = findProjectRoot(fileURLToPath(new URL('.', import.meta.url)));

function findProjectRoot(start: string): string {
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'resources', 'guest'))) return dir.replace(/app\.asar(?=$|[\\/])/, 'app.asar.unpacked');
  }
  return resolve(start, '..');
}

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

/**
 * Per-user state that is not a cache (the recent-workspaces list): XDG's
 * state home, so it is the user's own and survives a cleared cache.
 */
export function stateDir(): string {
  const override = process.env.KSHRAM_LAB_STATE;
  if (override) return resolve(override);
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'kshram-lab');
  const xdg = process.env.XDG_STATE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.local', 'state'), 'kshram-lab');
}

export const kitsDir = (): string => join(cacheDir(), 'kits');
export const programsCacheDir = (): string => join(cacheDir(), 'programs');

/**
 * True when `path` is `root` itself or lies below it (both absolute and
 * normalized; resolve symlinks first where they matter). "..x" is a name
 * inside, "../x" is not.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
