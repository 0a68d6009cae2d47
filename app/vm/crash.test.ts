import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CrashDetector, describeCrash, readableReport, warningSite } from './crash.js';

/** The console of a real boot where kshram_ioctl passed NULL to mutex_lock. */
const oopsConsole = readFileSync(new URL('./fixtures/oops-null-deref.console', import.meta.url), 'utf8');

describe('crash detection on the console', () => {
  it('finds a real Oops with its faulting function and the module frame', () => {
    const detector = new CrashDetector();
    expect(detector.feed(oopsConsole)).toBe(true);
    const crash = detector.crash!;
    expect(crash).toMatchObject({ kind: 'oops', title: 'BUG: kernel NULL pointer dereference, address: 0000000000000000', rip: 'mutex_lock+0x19/0x30', moduleFrame: 'kshram_ioctl+0x49/0xd9 [kshram]', complete: true });
    expect(describeCrash(crash)).toBe('Kernel Oops in mutex_lock+0x19/0x30 (called from kshram_ioctl+0x49/0xd9 [kshram]): BUG: kernel NULL pointer dereference, address: 0000000000000000');
    expect(readableReport(crash)).toContain('Call Trace:');
    expect(readableReport(crash)).not.toContain('Code: ');
  });

  it('sees the same crash however the stream is chunked', () => {
    const detector = new CrashDetector();
    let started = 0;
    for (let i = 0; i < oopsConsole.length; i += 7) if (detector.feed(oopsConsole.slice(i, i + 7))) started++;
    expect(started).toBe(1);
    expect(detector.crash?.complete).toBe(true);
    expect(detector.crash?.moduleFrame).toBe('kshram_ioctl+0x49/0xd9 [kshram]');
  });

  it('takes the title from the kernel\'s part of a line that starts after a shell prompt', () => {
    const detector = new CrashDetector();
    detector.feed('kshram:/root# [   29.017054] BUG: kernel NULL pointer dereference, address: 0000000000000000\r\n');
    expect(detector.crash?.title).toBe('BUG: kernel NULL pointer dereference, address: 0000000000000000');
  });

  it('ignores a clean boot and the grader markers', () => {
    const clean = oopsConsole.slice(0, oopsConsole.indexOf('BUG: kernel NULL'));
    const detector = new CrashDetector();
    expect(detector.feed(clean)).toBe(false);
    expect(detector.crash).toBeUndefined();
  });

  it('records warnings without calling them crashes', () => {
    const detector = new CrashDetector();
    detector.feed('[    3.1] ------------[ cut here ]------------\r\n[    3.1] WARNING: CPU: 1 PID: 90 at mm/page_alloc.c:5527 __alloc_pages+0x2f/0x60\r\n[    3.1] Call Trace:\r\n[    3.2] ---[ end trace 0000000000000000 ]---\r\n');
    expect(detector.crash).toBeUndefined();
    expect(detector.warnings).toHaveLength(1);
    expect(detector.warnings[0]!.title).toBe('WARNING: CPU: 1 PID: 90 at mm/page_alloc.c:5527 __alloc_pages+0x2f/0x60');
  });

  it('classifies panics and lockups', () => {
    const panic = new CrashDetector();
    panic.feed('[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n');
    expect(panic.crash?.kind).toBe('panic');
    const lockup = new CrashDetector();
    lockup.feed('[   26.0] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [check_msg:120]\n');
    expect(lockup.crash?.kind).toBe('lockup');
    // a CPU spinning with interrupts off: only RCU notices (what the guest printed, from a real run)
    const stall = new CrashDetector();
    stall.feed('[   24.096003] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n[   24.096003] rcu: \t1-...!: (0 ticks this GP) idle=1774/1/0x4000000000000000\n[   23.996122] NMI backtrace for cpu 1\n[   23.996122] RIP: 0010:kshram_ioctl+0x83/0xec [kshram]\n');
    expect(stall.crash).toMatchObject({ kind: 'stall', title: 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', rip: 'kshram_ioctl+0x83/0xec [kshram]' });
    expect(describeCrash(stall.crash!)).toBe('RCU stall in kshram_ioctl+0x83/0xec [kshram]: rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:');
    const selfDetected = new CrashDetector();
    selfDetected.feed('[   30.0] rcu: INFO: rcu_sched self-detected stall on CPU\n');
    expect(selfDetected.crash?.kind).toBe('stall');
  });

  it('starts an Oops at the header of any trap, so a panic after one shows what it was', () => {
    // a boot that panicked "Fatal exception in interrupt" in CI showed only that line: its trap's header was no known start
    for (const header of ['divide error: 0000 [#1] PREEMPT SMP NOPTI', 'Oops: stack segment: 0000 [#1] PREEMPT SMP NOPTI', 'double fault: 0000 [#1] SMP NOPTI']) {
      const detector = new CrashDetector();
      detector.feed(`[    1.088401] ${header}\n[    1.088402] RIP: 0010:lapic_cal_handler+0x2a/0x90\n[    1.088459] Kernel panic - not syncing: Fatal exception in interrupt\n`);
      // the panic that follows names the kind; the title and the place are the trap's
      expect(detector.crash, header).toMatchObject({ kind: 'panic', title: header, rip: 'lapic_cal_handler+0x2a/0x90' });
    }
    // a module's own line that merely looks alike is no header
    const chatty = new CrashDetector();
    chatty.feed('[    5.000001] kshram: slot 3: 0000 bytes [#1 of 8]\n');
    expect(chatty.crash).toBeUndefined();
  });
});

describe('crash reports of the broken-module corpus', () => {
  const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

  it('names the module function that called panic(), and ends the report where the kernel stops', () => {
    const detector = new CrashDetector();
    detector.feed(fixture('panic-in-ioctl.console'));
    const crash = detector.crash!;
    expect(crash).toMatchObject({ kind: 'panic', title: 'Kernel panic - not syncing: kshram: size 1052672 too large', complete: true });
    expect(crash.moduleFrame).toMatch(/^kshram_ioctl\.cold\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]$/);
    expect(describeCrash(crash)).toMatch(/^Kernel panic in kshram_ioctl\.cold\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: Kernel panic - not syncing: kshram: size 1052672 too large$/);
  });

  it('reads a soft lockup: where the CPU was stuck, complete at the end of its trace', () => {
    const detector = new CrashDetector();
    detector.feed(fixture('soft-lockup.console'));
    const crash = detector.crash!;
    expect(crash.kind).toBe('lockup');
    expect(crash.title).toMatch(/^watchdog: BUG: soft lockup - CPU#\d stuck for \d+s! \[check_resize:\d+\]$/);
    expect(crash.rip).toMatch(/^kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]$/);
    expect(crash.complete).toBe(true);
    const readable = readableReport(crash);
    // the faulting instruction stays; registers, code bytes and guessed frames go
    expect(readable).toMatch(/RIP: 0010:kshram_ioctl\+/);
    expect(readable).not.toMatch(/RSP: |Code: |\] \? /);
    expect(readable).toContain('__x64_sys_ioctl+');
  });

  it('ends the run on any other BUG the kernel reports, but not on hung-task notices', () => {
    const bad = new CrashDetector();
    expect(bad.feed('[    9.1] BUG: Bad page state in process rmmod  pfn:02a4c\n[    9.1] page:000000 refcount:0\n')).toBe(true);
    expect(bad.crash).toMatchObject({ kind: 'bug', title: 'BUG: Bad page state in process rmmod  pfn:02a4c' });
    expect(describeCrash(bad.crash!)).toBe('Kernel BUG: BUG: Bad page state in process rmmod  pfn:02a4c');
    const hung = new CrashDetector();
    expect(hung.feed('[  130.0] INFO: task rmmod:97 blocked for more than 120 seconds.\n')).toBe(false);
    expect(hung.crash).toBeUndefined();
  });
});

describe('a kernel warning', () => {
  it('is the same warning whichever CPU and task hit it (insmod retried on the other CPU)', () => {
    const at = 'fs/proc/generic.c:381 proc_register+0x10a/0x1b0';
    expect(warningSite(`WARNING: CPU: 0 PID: 107 at ${at}`)).toBe(at);
    expect(warningSite(`WARNING: CPU: 1 PID: 107 at ${at}`)).toBe(warningSite(`WARNING: CPU: 0 PID: 112 at ${at}`));
    expect(warningSite(`WARNING: CPU: 1 PID: 107 at ${at}`)).not.toBe(warningSite('WARNING: CPU: 1 PID: 107 at mm/page_alloc.c:5534 __alloc_pages+0x2fd/0x330'));
  });
});
