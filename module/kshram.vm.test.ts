import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir } from '../app/paths.js';
import { bootWorkspace, type BootedGuest } from '../test/boot.js';

const COMMAND_TIMEOUT_MS = 30_000;

/** The reference module's whole contract, exercised in a real guest by kshram_tap. */
describe('kshram.ko in a real guest', () => {
  let booted: BootedGuest;

  beforeAll(async () => {
    booted = await bootWorkspace(moduleDir);
  });
  afterAll(async () => {
    await booted?.dispose();
  });

  const sh = (command: string) => booted.vm.agent.run(command, { timeoutMs: COMMAND_TIMEOUT_MS });

  it('loads, creates 8 world-writable character devices and lists them in /proc', async () => {
    expect((await sh('insmod /lib/kshram/kshram.ko')).status).toBe(0);
    const devices = await sh('ls -l /dev/kshram*');
    const lines = devices.output.trim().split('\n');
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(line).toMatch(/^crw-rw-rw- .* \/dev\/kshram[0-7]$/);
    expect((await sh('cat /proc/kshram')).output).toBe(Array.from({ length: 8 }, (_, i) => `0${i}: 4096\n`).join(''));
  });

  it('passes every test of its contract (TAP)', async () => {
    const result = await sh('kshram_tap');
    const failing = result.output.split('\n').filter((l) => l.startsWith('not ok') || l.startsWith('Bail out'));
    expect(failing).toEqual([]);
    expect(result.output).toMatch(/^1\.\.(\d+)$/m);
    const planned = Number(/^1\.\.(\d+)$/m.exec(result.output)![1]);
    expect(result.output.split('\n').filter((l) => l.startsWith('ok ')).length).toBe(planned);
    expect(planned).toBeGreaterThanOrEqual(25);
    expect(result.status).toBe(0);
  });

  it('passes the three course-style checks and unloads cleanly', async () => {
    for (const check of ['check_msg', 'check_resize', 'check_fork']) {
      const result = await sh(check);
      expect(result.output).toMatch(/PASSED/);
      expect(result.status).toBe(0);
    }
    expect((await sh('rmmod kshram')).status).toBe(0);
    expect((await sh('ls /dev | grep -c kshram; [ -e /proc/kshram ] && echo left')).output.trim()).toBe('0');
    expect(booted.vm.crashes.crash).toBeUndefined();
    expect(booted.vm.crashes.warnings).toEqual([]);
  });
});
