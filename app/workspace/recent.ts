import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { stateDir } from '../paths.js';

/** Enough to find last week's folders again without becoming a history. */
const MAX_RECENT = 10;
/** The list names the user's folders: theirs to read only. */
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
const recentPath = (): string => join(stateDir(), 'recent-workspaces.json');

/**
 * Workspaces this user opened or created (in the workbench, or named to
 * `kshram-lab web DIR`), most recent first, that are still workspaces. The
 * list lives in the user's own state folder, never in a shared or cache
 * folder, so nobody else's folders (or a test run's) are ever offered.
 */
export async function recentWorkspaces(): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(recentPath(), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string' && existsSync(join(p, 'kshram.c'))).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

/** Called only when the user opened `dir` (an absolute, resolved path). */
export async function rememberWorkspace(dir: string): Promise<void> {
  const list = [dir, ...(await recentWorkspaces()).filter((d) => d !== dir)].slice(0, MAX_RECENT);
  await mkdir(stateDir(), { recursive: true, mode: PRIVATE_DIR });
  await writeFileAtomic(recentPath(), JSON.stringify(list, null, 2), { mode: PRIVATE_FILE });
}
