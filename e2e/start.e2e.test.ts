import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';

/** Where the electron package says its binary is, if it was downloaded. */
function electronInstalled(): boolean {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path);
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it.skipIf(electronInstalled())('serves web mode, and says why, where Electron has no binary', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'scripts', 'start.js'), '--port', '0'], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain("Electron's binary is not installed here, so the workbench opens in web mode instead.");
      const url = /http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//.exec(output)![0];
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>kshram lab</title>');
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
