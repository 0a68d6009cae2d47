import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recentWorkspaces, rememberWorkspace } from './recent.js';

describe('recent workspaces', () => {
  let root: string;
  const saved = { state: process.env.KSHRAM_LAB_STATE };
  const asUser = (name: string): void => {
    process.env.KSHRAM_LAB_STATE = join(root, 'state', name);
  };
  const workspace = async (name: string): Promise<string> => {
    const dir = join(root, 'folders', name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'kshram.c'), '// a module\n');
    return dir;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kshram-recent-'));
  });
  afterEach(() => {
    process.env.KSHRAM_LAB_STATE = saved.state;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("keeps each user's folders to that user, in a file only they can read", async () => {
    const [a, b] = [await workspace('alice-lab05'), await workspace('bob-lab05')];
    asUser('alice');
    await rememberWorkspace(a);
    asUser('bob');
    expect(await recentWorkspaces()).toEqual([]);
    await rememberWorkspace(b);
    expect(await recentWorkspaces()).toEqual([b]);
    asUser('alice');
    expect(await recentWorkspaces()).toEqual([a]);
    expect((await stat(join(root, 'state', 'alice', 'recent-workspaces.json'))).mode & 0o777).toBe(0o600);
  });

  it('offers only folders the user opened that still hold a kshram.c, most recent first', async () => {
    asUser('carol');
    const [first, second, gone] = [await workspace('first'), await workspace('second'), await workspace('gone')];
    await workspace('never-opened');
    for (const dir of [gone, first, second, first]) await rememberWorkspace(dir);
    await rm(join(gone, 'kshram.c'));
    expect(await recentWorkspaces()).toEqual([first, second]);
  });
});
