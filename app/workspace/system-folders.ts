import { statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { realpath } from 'node:fs/promises';
import { LabError } from '../errors.js';
import { isInside } from '../paths.js';

/**
 * Folders a workspace may not be: the kernel's special filesystems (where
 * a recursive mkdir never ends and files are not files), the system's own
 * folders, and the tops of the tree (a workspace at `/` or the home folder
 * would put every file under it inside the workspace).
 */
const SPECIAL_TREES = ['/proc', '/sys', '/dev', '/run'];
const SYSTEM_TREES = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/var/lib', '/var/log'];
const TOP_FOLDERS = ['/', '/home', '/root', '/var', '/tmp', '/opt', '/srv', '/mnt', '/media'];
/** statfs types of kernel filesystems (proc, sysfs, cgroup, cgroup2, debugfs, tracefs, securityfs, devpts). */
const SPECIAL_FS_TYPES = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x74726163, 0x73636673, 0x1cd1]);

/** Throws when `dir` (absolute) is no place for a workspace; checks its real path and filesystem too. */
export async function refuseSystemFolder(dir: string): Promise<void> {
  const refuse = (why: string): LabError => new LabError('WORKSPACE_INVALID', `${dir} ${why}; a workspace cannot be there.`, 'Choose a folder of your own, e.g. ~/lab05.');
  const existing = await nearestExisting(dir);
  const real = resolve(await realpath(existing), dir.slice(existing.length).replace(/^\//, ''));
  for (const path of new Set([resolve(dir), real])) {
    if (SPECIAL_TREES.some((tree) => isInside(tree, path))) throw refuse("is in one of the kernel's special filesystems");
    if (SYSTEM_TREES.some((tree) => isInside(tree, path))) throw refuse("is one of the system's folders");
    if (TOP_FOLDERS.includes(path) || path === homedir()) throw refuse('is a top-level folder (every file below it would be inside the workspace)');
  }
  const fs = await statfs(existing).catch(() => undefined);
  if (fs && SPECIAL_FS_TYPES.has(fs.type)) throw refuse("is in one of the kernel's special filesystems");
}

async function nearestExisting(path: string): Promise<string> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if (await realpath(dir).then(() => true, () => false)) return dir;
    if (dirname(dir) === dir) return dir;
  }
}
