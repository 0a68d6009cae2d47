import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetSettings, loadSettings, saveSettings, settingsPath } from './settings.js';

describe("Submit's settings", () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kshram-submit-settings-'));
    saved = process.env.KSHRAM_LAB_STATE;
    process.env.KSHRAM_LAB_STATE = join(dir, 'state');
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.KSHRAM_LAB_STATE;
    else process.env.KSHRAM_LAB_STATE = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('keep the token in a file only its user can read, in a folder only its user can enter', async () => {
    expect(await loadSettings()).toBeUndefined();
    await saveSettings({ url: 'http://127.0.0.1:8080', token: 'kshram_secret', student: 'alice', role: 'student' });
    expect(settingsPath()).toBe(join(dir, 'state', 'service.json'));
    expect((await stat(settingsPath())).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
    expect(await loadSettings()).toEqual({ url: 'http://127.0.0.1:8080', token: 'kshram_secret', student: 'alice', role: 'student' });
  });

  it('make a file someone opened to others private again, and ignore one that is not theirs to read', async () => {
    await saveSettings({ url: 'http://127.0.0.1:8080', token: 'kshram_secret' });
    await chmod(settingsPath(), 0o644);
    expect((await loadSettings())?.token).toBe('kshram_secret');
    expect((await stat(settingsPath())).mode & 0o777).toBe(0o600);
    await writeFile(settingsPath(), '{"url": 42}');
    expect(await loadSettings()).toBeUndefined();
    await writeFile(settingsPath(), 'not json');
    expect(await loadSettings()).toBeUndefined();
  });

  it('are gone after forgetting them', async () => {
    await saveSettings({ url: 'https://kshram.example.edu', token: 't' });
    await forgetSettings();
    await expect(readFile(settingsPath())).rejects.toThrow();
    expect(await loadSettings()).toBeUndefined();
    await forgetSettings();
  });
});
