import { describe, expect, it } from 'vitest';
import { consoleLines, isDumpLine, kernelPart, kernelText, parseFrame, parseFrames, parseRip, reportTask } from './kernel-log.js';
import { REPORT_KINDS, reportStartedBy } from './report-kinds.js';

describe('kernel log lines', () => {
  it('strips carriage returns, escape sequences and timestamps', () => {
    expect(consoleLines('kshram:/root# \x1b[6n[    2.1] hello\r\nnext\r\n')).toEqual(['kshram:/root# [    2.1] hello', 'next', '']);
    expect(kernelText('[   24.096003] rcu: INFO: stall ')).toBe('rcu: INFO: stall');
    expect(kernelPart('kshram:/root# [    2.1] hello')).toBe('[    2.1] hello');
    expect(kernelPart('kshram:/root# ls')).toBe('');
  });

  it('tells register and code dumps from the RIP line', () => {
    expect(isDumpLine('[    3.0] RAX: 0000000000000000 RBX: ffff')).toBe(true);
    expect(isDumpLine('[    3.0] Code: 48 89 e5')).toBe(true);
    expect(isDumpLine('[    3.0] RIP: 0010:mutex_lock+0x19/0x30')).toBe(false);
    expect(parseRip('[    3.0] RIP: 0010:kshram_ioctl+0x49/0xd9 [kshram]')).toBe('kshram_ioctl+0x49/0xd9 [kshram]');
    expect(parseRip('[    3.0] RIP: 0033:0x47fbe9')).toBeUndefined();
  });

  it('parses call-trace frames into function, offset, length and module', () => {
    expect(parseFrame('[    3.0]  kshram_ioctl.cold+0xf/0x1a [kshram]')).toEqual({ func: 'kshram_ioctl.cold', offset: 0xf, length: 0x1a, module: 'kshram', guess: false, text: 'kshram_ioctl.cold+0xf/0x1a [kshram]' });
    expect(parseFrame('[    3.0]  ? do_fault+0x1a7/0x410')).toEqual({ func: 'do_fault', offset: 0x1a7, length: 0x410, guess: true, text: 'do_fault+0x1a7/0x410' });
    expect(parseFrame('[    3.0]  ? 0xffffffffc020b000')).toBeUndefined();
    expect(parseFrame('[    3.0]  <TASK>')).toBeUndefined();
    expect(parseFrames('[ 1.0] Call Trace:\n[ 1.0]  <TASK>\n[ 1.0]  ? x+0x1/0x2\n[ 1.0]  kshram_exit+0x12/0xca9 [kshram]\n[ 1.0]  do_syscall_64+0x5d/0xb0\n').map((f) => f.text)).toEqual(['kshram_exit+0x12/0xca9 [kshram]', 'do_syscall_64+0x5d/0xb0']);
  });
});

describe('report kinds', () => {
  it('are one table, first match wins', () => {
    expect(reportStartedBy('watchdog: BUG: soft lockup - CPU#1 stuck for 22s!')).toBe('lockup');
    expect(reportStartedBy('BUG: kernel NULL pointer dereference, address: 0')).toBe('oops');
    expect(reportStartedBy('BUG: Bad page state in process rmmod')).toBe('bug');
    expect(reportStartedBy('INFO: task rmmod:97 blocked for more than 120 seconds.')).toBeUndefined();
    expect(new Set(REPORT_KINDS.map((k) => k.kind)).size).toBe(REPORT_KINDS.length);
  });

  it('names the task a report was printed for', () => {
    expect(reportTask('[    2.5] BUG: kernel NULL pointer dereference\n[    2.5] CPU: 0 PID: 122 Comm: check_msg Tainted: G           OE      6.1.0-56-amd64 #1')).toBe('check_msg');
    expect(reportTask('[   13.3] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [slot-view:3:98]')).toBe('slot-view:3');
    expect(reportTask('[    2.5] Kernel panic - not syncing: x')).toBeUndefined();
  });
});
