import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir, projectRoot } from '../paths.js';
import { run } from '../process.js';
import { EXIT_USAGE } from './errors.js';
import { runOwned, spawnOwned } from '../../test/owned.js';
import { until } from '../../test/until.js';

const CLI = join(projectRoot, 'bin', 'kshram-lab.js');
/** Build ~3 s and QEMU start; much more on a busy host. */
const PRINT_MS = 120_000;

describe('kshram-lab boot --debug', () => {
  it('refuses --wait without --debug before building anything', async () => {
    const result = await runOwned(process.execPath, [CLI, 'boot', moduleDir, '--wait'], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 60_000 });
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.output).toContain('error: --wait needs --debug.');
  });

  it('--wait holds the guest at its first instruction for a gdb on 127.0.0.1, and Ctrl-] leaves nothing behind', async () => {
    const boot = spawnOwned(process.execPath, [CLI, 'boot', moduleDir, '--debug', '--wait'], { env: { ...process.env, NO_COLOR: '1' }, stdin: 'pipe' });
    const { child } = boot;
    const deadline = Date.now() + PRINT_MS;
    while (!/gdb -x \S+kshram\.gdb/.test(boot.output()) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const match = /listens on 127\.0\.0\.1:(\d+)\. In another terminal: +gdb -x (\S+kshram\.gdb)/.exec(boot.output());
    expect(match, boot.output()).not.toBeNull();
    const [, port, script] = match!;
    expect(existsSync(script!)).toBe(true);
    // the script connects; the guest has not run a single instruction yet (the reset vector)
    // QEMU is starting after the message: wait for its gdbstub to listen
    await until('the gdbstub listening', async () => (await run('ss', ['-ltnH', `sport = :${port}`])).output.trim() !== '', 30_000);
    const gdb = await run('gdb', ['-q', '-nx', '-batch', '-x', script!, '-ex', 'info registers rip', '-ex', 'detach'], { timeoutMs: 60_000 });
    expect(gdb.output).toMatch(/rip +0xfff0 /);
    const listening = await run('ss', ['-ltnH', `sport = :${port}`]);
    // every socket on that port is bound to the loopback address (the peer column reads 0.0.0.0:*)
    const sockets = listening.output.trim().split('\n');
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) expect(socket.trim().split(/\s+/)[3]).toBe(`127.0.0.1:${port}`);
    // detach let the guest boot; Ctrl-] stops it
    child.stdin!.write('\x1d');
    expect((await boot.exited).code).toBe(0);
    expect(boot.output()).toContain('VM stopped.');
    expect(existsSync(script!)).toBe(false);
  }, 240_000);
});
