import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { findLeftovers, WORKER_MARKER } from '../test/leftovers.js';
import { spawnOwned, type OwnedProcess } from '../test/owned.js';
import { until } from '../test/until.js';

/** tsx compiles the CLI first; the URL follows within seconds. */
const START_MS = 60_000;
/** SIGINT stops the server at once (no VM runs); a parent-death signal is at once too. */
const STOP_MS = 15_000;
const URL_PRINTED = /http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//;

/** Where the electron package says its binary is, if it was downloaded. */
function electronInstalled(): boolean {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path);
  } catch {
    return false;
  }
}

/** This worker's processes running `kshram-lab web` (the server npm start runs). */
const webServers = (): number[] => findLeftovers({ marker: { name: WORKER_MARKER, value: String(process.pid) } }).filter((p) => /\/bin\/kshram-lab\.js web( |$)/.test(p.command)).map((p) => p.pid);

/** `npm start` (its script, as npm runs it) without Electron's binary, once it printed the URL. */
async function npmStart(): Promise<{ start: OwnedProcess; url: string; server: number }> {
  const start = spawnOwned(process.execPath, [join(projectRoot, 'scripts', 'start.js'), '--port', '0', '--allow-root'], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1' }, stopSignal: 'SIGINT' });
  const url = await until('npm start to print the URL', () => {
    if (start.child.exitCode !== null) throw new Error(`npm start exited (${start.child.exitCode}):\n${start.output()}`);
    return URL_PRINTED.exec(start.output())?.[0];
  }, START_MS);
  const servers = webServers();
  expect(servers).toHaveLength(1);
  return { start, url, server: servers[0]! };
}

describe.skipIf(electronInstalled())('npm start, where Electron has no binary', () => {
  it('serves web mode, says why, and Ctrl-C stops the server with it', async () => {
    const { start, url, server } = await npmStart();
    expect(start.output()).toContain("Electron's binary is not installed here, so the workbench opens in web mode instead.");
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>kshram lab</title>');
    // Ctrl-C reaches the wrapper (scripts/start.js); it passes it on and exits with the server
    start.child.kill('SIGINT');
    expect(await start.exited).toEqual({ code: 0, signal: null });
    await until('the server to be gone', () => !webServers().includes(server), STOP_MS);
  });

  it('leaves no server behind when the wrapper is killed outright', async () => {
    const { start, server } = await npmStart();
    // SIGKILL: no handler of the wrapper runs, only the kernel's parent-death signal can end the server
    start.child.kill('SIGKILL');
    await start.exited;
    await until('the server to be gone', () => !webServers().includes(server), STOP_MS);
  });
});
