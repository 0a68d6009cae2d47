import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatStuckTasks, parseCpuBacktraces, parseStuckScan, stuckWhere } from './stuck.js';

describe('what a step that timed out is stuck on', () => {
  it('reads the task scan: state and kernel stack of each stuck task', () => {
    const tasks = parseStuckScan('@task rmmod 97 D (disk sleep)\n[<0>] kshram_exit+0x12/0xca9 [kshram]\n[<0>] __do_sys_delete_module+0x1b9/0x330\n[<0>] do_syscall_64+0x5d/0xb0\n@task check_fork 120 R (running)\n');
    expect(tasks).toEqual([
      { name: 'rmmod', pid: 97, state: 'D (disk sleep)', stack: ['kshram_exit+0x12/0xca9 [kshram]', '__do_sys_delete_module+0x1b9/0x330', 'do_syscall_64+0x5d/0xb0'] },
      { name: 'check_fork', pid: 120, state: 'R (running)', stack: [] },
    ]);
    expect(stuckWhere(tasks[0]!)).toBe('kshram_exit+0x12/0xca9 [kshram]');
    expect(formatStuckTasks(tasks.slice(0, 1))).toBe('rmmod (pid 97, D (disk sleep)) in kshram_exit+0x12/0xca9 [kshram]\n  kshram_exit+0x12/0xca9 [kshram]\n  __do_sys_delete_module+0x1b9/0x330\n  do_syscall_64+0x5d/0xb0');
  });

  it('finds a task spinning in a module in the CPUs\' backtraces (sysrq l), by its PID', () => {
    // a real guest: check_resize loops on cond_resched() in KSHRAM_SETSIZE, so no soft lockup fires
    const console = readFileSync(new URL('./fixtures/sysrq-l-spinning.console', import.meta.url), 'utf8');
    const traces = parseCpuBacktraces(console);
    const spinning = traces.get(97)!;
    expect(spinning.rip).toBe('__cond_resched+0x10/0x40');
    expect(spinning.stack[0]).toMatch(/^kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]$/);
    expect(spinning.stack).not.toContainEqual(expect.stringMatching(/^\?/));
    const task = { name: 'check_resize', pid: 97, state: 'R (running)', ...spinning };
    expect(formatStuckTasks([task]).split('\n')[0]).toMatch(/^check_resize \(pid 97, R \(running\)\) in kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\], CPU at __cond_resched\+0x10\/0x40$/);
  });
});
