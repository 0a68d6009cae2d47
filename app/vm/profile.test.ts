import { describe, expect, it } from 'vitest';
import type { Kit } from '../kit/kit.js';
import { bootProfile } from './profile.js';
import { qemuArgs } from './qemu.js';

const kit = { name: 'debian-6.1', kernelRelease: '6.1.0-57-amd64', kernelImagePath: '/k/vmlinuz', qemu: { memory: '256M', cpu: 'qemu64', smp: 2, append: '', extraArgs: [] } } as unknown as Kit;
const launch = { accel: 'tcg' as const, initramfs: '/r/initramfs.cpio', agentSocket: '/r/agent.sock' };
const append = (args: string[]): string => args[args.indexOf('-append') + 1]!;

describe('boot profiles', () => {
  it('a plain run: no checkers, no gdbstub, from the snapshot', () => {
    const profile = bootProfile(kit);
    expect(profile).toEqual({ checked: false, watchdogS: 4, start: 'snapshot' });
    const args = qemuArgs(kit, { ...launch, profile });
    expect(append(args)).toBe('console=ttyS0 quiet panic=-1 no_timer_check cryptomgr.notests watchdog_thresh=10 kshram_watchdog_thresh=4');
    expect(args).not.toContain('-gdb');
  });

  it('a debug boot gets a gdbstub on 127.0.0.1 and nokaslr; one that waits at the first instruction boots cold', () => {
    const debug = bootProfile(kit, { debug: { port: 1234, wait: false } });
    expect(debug.start).toBe('snapshot');
    const args = qemuArgs(kit, { ...launch, profile: debug });
    expect(args.join(' ')).toContain('-gdb tcp:127.0.0.1:1234');
    expect(args).not.toContain('-S');
    expect(append(args)).toMatch(/ nokaslr$/);
    const waiting = bootProfile(kit, { debug: { port: 1234, wait: true } });
    expect(waiting.start).toBe('cold');
    expect(qemuArgs(kit, { ...launch, profile: waiting })).toContain('-S');
  });

  it('--cold-boot never starts from a snapshot', () => {
    expect(bootProfile(kit, { coldBoot: true, checked: true })).toMatchObject({ start: 'cold', checked: true });
  });
});
