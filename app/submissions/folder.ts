import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { invalid, type Collector } from './collect.js';
import { isClutter } from './entry-path.js';
import { MAX_DEPTH } from './limits.js';

/**
 * Reads a submission folder: every file under it (to MAX_DEPTH) goes
 * through the same limits as an archive's entries, and a link counts only
 * when it stays inside the folder.
 */
export async function readFolder(root: string, label: string, collector: Collector): Promise<void> {
  const realRoot = await realpath(root);
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const path = relative(root, full).split(sep).join('/');
      if (isClutter(path)) continue;
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        const target = await realpath(full).catch(() => undefined);
        if (!target || !(target === realRoot || target.startsWith(realRoot + sep))) {
          throw invalid(label, `${path} is a link to ${target ?? 'nowhere'}, outside the submission`, 'Submit real files, not links.');
        }
        const targetInfo = await lstat(target);
        if (targetInfo.isFile() && collector.admit(path, targetInfo.size)) collector.add(path, await readFile(target));
        continue;
      }
      if (info.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(full, depth + 1);
        continue;
      }
      if (info.isFile() && collector.admit(path, info.size)) collector.add(path, await readFile(full));
    }
  };
  await walk(root, 0);
}
