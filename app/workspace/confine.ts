import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { isInside } from '../paths.js';

/**
 * Resolves a path the UI sent (relative to the workspace, or absolute) to
 * an absolute path inside the workspace, or refuses it. `..` escapes,
 * absolute paths elsewhere and symlinks that lead out are all refused:
 * the check is made on the real path of the file, or of its nearest
 * existing parent when it does not exist yet.
 */
export async function resolveInside(root: string, requested: string): Promise<string> {
  const refuse = (): LabError =>
    new LabError('PATH_OUTSIDE_WORKSPACE', `"${requested}" is outside the workspace ${root}.`, 'Only files inside the open workspace can be opened or saved.');
  if (requested.includes('\0')) throw refuse();
  const candidate = resolve(root, requested);
  if (!isInside(root, candidate)) throw refuse();
  const real = await realpathOfExisting(candidate);
  if (!isInside(root, real)) throw refuse();
  return candidate;
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
async function realpathOfExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await realpathOfExisting(parent), relative(parent, path));
  }
}
