import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { runOwned } from '../test/owned.js';

const bundle = join(projectRoot, 'out', 'main', 'index.js');
const testing = join(projectRoot, 'main', 'testing');
/** The probe loads the bundle and asks a few questions: seconds. */
const PROBE_MS = 60_000;

/**
 * Electron's binary cannot be downloaded here, so the bundled main process
 * runs on Node with a stand-in for the electron module: enough to prove the
 * bundle loads, finds its files, locks the window down and serves the API.
 */
describe('the bundled Electron main process', () => {
  it('opens a locked-down window and answers the API over IPC, to its own page only', async () => {
    expect(existsSync(bundle), 'run npm run bundle first').toBe(true);
    const probe = await runOwned(process.execPath, ['--import', join(testing, 'register.mjs'), join(testing, 'probe.mjs'), bundle], { cwd: projectRoot, timeoutMs: PROBE_MS });
    expect(probe.code, probe.output).toBe(0);
    const report = JSON.parse(probe.stdout.trim().split('\n').at(-1)!);
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
