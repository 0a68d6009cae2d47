import { describe, expect, it } from 'vitest';
import { describeCrash, isLogFlood, parseCrashReport } from './crash.js';

/**
 * A module that logs too much is told so: a stall or lockup caught in
 * printk or the serial console is a flood of messages, not a stopped CPU.
 * The console below is the shape the issue saw (6.1 under TCG, heavy
 * pr_info in init); the second is the same stall in the module's own loop.
 */
const stallIn = (rip: string): string => `[   31.204512] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   31.204512] rcu: \t0-...!: (1 GPs behind) idle=8cc/1/0x4000000000000000 softirq=2716/2717 fqs=0
[   31.204512] \t(detected by 1, t=21002 jiffies, g=1893, q=217 ncpus=2)
[   31.204512] Sending NMI from CPU 1 to CPUs 0:
[   31.204512] NMI backtrace for cpu 0
[   31.204512] CPU: 0 PID: 107 Comm: insmod Tainted: G           OE      6.1.0-57-amd64 #1  Debian 6.1.192-2
[   31.204512] RIP: 0010:${rip}
[   31.204512] Call Trace:
[   31.204512]  <TASK>
[   31.204512]  console_unlock+0x9d/0x140
[   31.204512]  vprintk_emit+0x157/0x280
[   31.204512]  _printk+0x58/0x73
[   31.204512]  kshram_init+0x2b/0x1000 [kshram]
[   31.204512]  do_one_initcall+0x41/0x200
[   31.204512]  </TASK>
`;

describe('a flood of kernel messages', () => {
  it('is reported as a flood, naming the module function that printed', () => {
    const crash = parseCrashReport(stallIn('io_serial_in+0x15/0x20'))!;
    expect(crash.kind).toBe('stall');
    expect(isLogFlood(crash)).toBe(true);
    expect(describeCrash(crash)).toMatch(/^Kernel log flood \(rcu stall, printing\) in io_serial_in\+0x15\/0x20 \(called from kshram_init\+0x2b\/0x1000 \[kshram\]\): rcu: INFO:/);
    expect(isLogFlood(parseCrashReport(stallIn('console_emit_next_record.constprop.0+0x1a3/0x330'))!)).toBe(true);
  });

  it('is a flood too when the CPU is caught in a helper printk calls, below printk\'s frames', () => {
    // a real run: "Kernel lockup in __memcpy+0x12/0x20 (called from kshram_init+0x11/0x1000 [kshram])" for a pr_info loop
    const crash = parseCrashReport(stallIn('__memcpy+0x12/0x20'))!;
    expect(isLogFlood(crash)).toBe(true);
    expect(describeCrash(crash)).toMatch(/^Kernel log flood \(rcu stall, printing\) in __memcpy\+0x12\/0x20 \(called from kshram_init/);
    // the ring buffer's reader (seen under load in CI)
    expect(isLogFlood(parseCrashReport(stallIn('_prb_read_valid+0x1e/0x2d0'))!)).toBe(true);
  });

  it('stays a stall when the CPU is stuck in the module itself', () => {
    const crash = parseCrashReport(stallIn('kshram_ioctl+0x83/0xec [kshram]'))!;
    expect(isLogFlood(crash)).toBe(false);
    expect(describeCrash(crash)).toMatch(/^RCU stall in kshram_ioctl/);
  });
});
