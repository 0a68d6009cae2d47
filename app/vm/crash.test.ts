import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CrashDetector, describeCrash, readableReport } from './crash.js';

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
  });
});
