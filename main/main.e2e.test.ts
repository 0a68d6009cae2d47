import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';

const bundle = join(projectRoot, 'out', 'main', 'index.js');
const testing = join(projectRoot, 'main', 'testing');

/**
 * Electron's binary cannot be downloaded here, so the bundled main process
 * runs on Node with a stand-in for the electron module: enough to prove the
 * bundle loads, finds its files, locks the window down and serves the API.
 */
describe('the bundled Electron main process', () => {
  it('opens a locked-down window and answers the API over IPC, to its own page only', async () => {
    expect(existsSync(bundle), 'run npm run bundle first').toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', join(testing, 'register.mjs'), join(testing, 'probe.mjs'), bundle], { cwd: projectRoot, timeout: 60_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(report.webPreferences).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, preload: join(projectRoot, 'out', 'preload', 'index.cjs') });
    expect(existsSync(report.webPreferences.preload)).toBe(true);
    expect(report.loaded).toBe(join(projectRoot, 'out', 'renderer', 'index.html'));
    expect(report.navigationBlocked).toBe(true);
    expect(report.newWindow).toEqual({ action: 'deny' });
    expect(report.info).toMatchObject({ ok: true, value: { canPickFolder: true, consoleAckChars: 5000 } });
    expect(report.info.value.checklist).toHaveLength(8);
    expect(report.foreign).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    expect(report.badArgs).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT', message: expect.stringContaining('cols') } });
    expect(report.outside).toMatchObject({ ok: false, error: { code: 'WORKSPACE_INVALID' } });
  });
});
