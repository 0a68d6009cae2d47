import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { cacheDir } from '../paths.js';

/** Enough to find last week's folders again without becoming a history. */
const MAX_RECENT = 10;
const recentPath = (): string => join(cacheDir(), 'recent-workspaces.json');

/** Workspaces opened before that still exist, most recent first. */
export async function recentWorkspaces(): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(recentPath(), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string' && existsSync(p)).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export async function rememberWorkspace(dir: string): Promise<void> {
  const list = [dir, ...(await recentWorkspaces()).filter((d) => d !== dir)].slice(0, MAX_RECENT);
  await mkdir(dirname(recentPath()), { recursive: true });
  await writeFileAtomic(recentPath(), JSON.stringify(list, null, 2));
}
