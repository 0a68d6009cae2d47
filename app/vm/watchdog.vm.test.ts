import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { bootWorkspace, type BootedGuest } from '../../test/boot.js';
import { WATCHDOG_THRESH_S } from './profile.js';

const COMMAND_TIMEOUT_MS = 30_000;

/**
 * A real guest: the kernel boots with its own lenient soft-lockup
 * threshold and without the early timer test (both failed boots on a busy
 * host), and what runs once it is up is watched with the short threshold
 * that reports a module's endless loop in 8 s.
 */
describe('the soft-lockup watchdog of a booted guest', () => {
  let booted: BootedGuest;

  beforeAll(async () => {
    booted = await bootWorkspace(moduleDir);
  });
  afterAll(async () => {
    await booted?.dispose();
  });

  const sh = async (command: string): Promise<string> => {
    const result = await booted.vm.agent.run(command, { timeoutMs: COMMAND_TIMEOUT_MS });
    expect(result.status, command).toBe(0);
    return result.output.trim();
  };

  it('booted with the kernel default threshold and no early timer test', async () => {
    const cmdline = (await sh('cat /proc/cmdline')).split(/\s+/);
    expect(cmdline).toContain('no_timer_check');
    expect(cmdline.filter((p) => p.startsWith('watchdog_thresh='))).toEqual(['watchdog_thresh=10']);
  });

  it('watches what runs after boot with the short threshold, and leaves no trace of it in the environment', async () => {
    expect(await sh('cat /proc/sys/kernel/watchdog_thresh')).toBe(String(WATCHDOG_THRESH_S));
    expect(await sh('env | grep -c kshram_watchdog_thresh || true')).toBe('0');
  });
});
