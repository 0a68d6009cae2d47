import { describe, expect, it } from 'vitest';
import { consoleTail, itemKernelLog, transcript } from './evidence.js';

const CONSOLE = [
  'kshram:/root# \x1b[6n[    2.1] kshram-lab: item 4: Unload kshram without a crash (unload test #1)',
  '[    2.2] kshram: unloaded',
  '[    2.3] kshram-lab: sync 7',
  '[    2.4] kshram-lab: item 5: Reload kshram; check_msg passes',
  '[    2.5] sysfs: cannot create duplicate filename \'/devices/virtual/kshram\'',
  '[    2.5] CPU: 0 PID: 121 Comm: insmod Tainted: G           OE      6.1.0-56-amd64 #1',
  '[    2.5] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)',
  '[    2.5] Call Trace:',
  '[    2.5]  <TASK>',
  '[    2.5]  dump_stack_lvl+0x44/0x5c',
  '[    2.5]  kshram_init+0x120/0x1000 [kshram]',
  '[    2.5]  ? 0xffffffffc020b000',
  '[    2.5] RIP: 0033:0x47fbe9',
  '[    2.5] RSP: 002b:00007ffd6993c738 EFLAGS: 00000246',
  '[    2.5]  </TASK>',
  '[    2.6] kobject_add_internal failed for kshram with -EEXIST',
  '[    2.7] kshram-lab: sync 8',
  'kshram:/root# ',
].join('\r\n');

describe('evidence', () => {
  it('keeps the kernel messages of one item: no barriers, registers or kernel frames, but the module\'s own', () => {
    expect(itemKernelLog(CONSOLE, 5)).toBe([
      "[    2.5] sysfs: cannot create duplicate filename '/devices/virtual/kshram'",
      '[    2.5] CPU: 0 PID: 121 Comm: insmod Tainted: G           OE      6.1.0-56-amd64 #1',
      '[    2.5]  kshram_init+0x120/0x1000 [kshram]',
      '[    2.6] kobject_add_internal failed for kshram with -EEXIST',
    ].join('\n'));
    expect(itemKernelLog(CONSOLE, 4).split('\n').slice(0, 2)).toEqual(['[    2.2] kshram: unloaded', '[    2.4] kshram-lab: item 5: Reload kshram; check_msg passes']);
    expect(itemKernelLog(CONSOLE, 5, 'kobject_add_internal failed')).not.toContain('kobject_add_internal');
    expect(itemKernelLog(CONSOLE, 7)).toBe('');
  });

  it('shows the console tail without escape sequences or barriers', () => {
    expect(consoleTail(CONSOLE, 2)).toBe('[    2.6] kobject_add_internal failed for kshram with -EEXIST\nkshram:/root#');
    expect(consoleTail(CONSOLE, 30)).not.toMatch(/sync \d|\x1b/);
  });

  it('writes a command, its output and how it ended', () => {
    expect(transcript('rmmod kshram', { status: null, output: '', timedOut: true, elapsedMs: 17_000 }, 'SIGKILL had no effect')).toBe('$ rmmod kshram\n[timed out, 17.0 s; SIGKILL had no effect]');
    expect(transcript('check_msg', { status: 0, output: 'read: \r\nwrote: x\r\n', timedOut: false, elapsedMs: 120 })).toBe('$ check_msg\nread: \nwrote: x\n[exit 0, 0.1 s]');
  });
});
