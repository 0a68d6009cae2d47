import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ElfFunctions } from '../symbols/elf-functions.js';
import { CrashDetector } from '../vm/crash.js';
import { checkersOf, defaultTimeLimitMs } from './checked.js';
import { bootProfile, checkedParameters, kernelCommandLine } from '../vm/profile.js';
import { sameBugTitle } from './findings.js';
import { describeLeaks, parseKmemleak, parseModuleLoads } from './kmemleak.js';
import type { Kit } from '../kit/kit.js';

/**
 * Checker reports on the console (fast: no QEMU). The SLUB report is the
 * console of a real checked run of the ioctl-one-past-end case on Debian's
 * 6.1; the debug-kit reports follow the formats of Linux 6.1's
 * mm/kasan/report.c, kernel/locking/lockdep.c, kernel/sched/core.c and
 * lib/ubsan.c.
 */
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('checker reports are notes, not crashes', () => {
  it('collects KASAN, lockdep, sleeping-in-atomic and UBSAN reports with their frames, and lets a later Oops end the run', () => {
    const detector = new CrashDetector();
    const text = fixture('debug-kit-reports.console');
    const upToOops = text.slice(0, text.indexOf('[   15.100000] =='));
    expect(detector.feed(upToOops)).toBe(false);
    expect(detector.crash).toBeUndefined();
    const reports = detector.sanitizerReports;
    expect(reports.map((r) => [r.kind, r.title, r.moduleFrame, r.complete])).toEqual([
      ['kasan', 'BUG: KASAN: use-after-free in kshram_set_size+0x1b4/0x2a0 [kshram]', 'kshram_set_size+0x1b4/0x2a0 [kshram]', true],
      ['lockdep', 'WARNING: possible recursive locking detected', 'kshram_proc_show+0x5a/0x120 [kshram]', true],
      ['atomic-sleep', 'BUG: sleeping function called from invalid context at include/linux/sched/mm.h:274', 'kshram_realloc+0x45/0xa0 [kshram]', true],
      ['ubsan', 'UBSAN: array-index-out-of-bounds in /tmp/kshram-grade-x/kshram/kshram.c:121:29', 'kshram_open+0x6f/0x80 [kshram]', true],
    ]);
    // the call trace first, then where the memory was allocated and freed; guessed frames left out
    expect(reports[0]!.frames.map((f) => f.text).slice(4, 7)).toEqual(['memcpy+0x20/0x60', 'kshram_set_size+0x1b4/0x2a0 [kshram]', 'kshram_ioctl+0x4d/0x60 [kshram]']);
    expect(reports[0]!.frames.filter((f) => f.func === 'kshram_realloc')).toHaveLength(2);
    expect(reports[0]!.text).toContain('Memory state around the buggy address:');
    // a line after a report is not part of it
    expect(reports[0]!.text).not.toContain('Disabling lock debugging');

    expect(detector.feed(text.slice(upToOops.length))).toBe(true);
    expect(detector.crash).toMatchObject({ kind: 'oops', rip: 'kshram_mmap+0x44/0x1c0 [kshram]' });
    expect(detector.sanitizerReports.at(-1)).toMatchObject({ kind: 'kasan', title: 'BUG: KASAN: null-ptr-deref in kshram_mmap+0x44/0x1c0 [kshram]' });
  });

  it('reads a real slub_debug report (Debian 6.1, slub_debug=FZPU) without its hex dumps, the allocation site first', () => {
    const detector = new CrashDetector();
    detector.feed(fixture('slub-redzone.console'));
    expect(detector.crash).toBeUndefined();
    const reports = detector.sanitizerReports;
    expect(reports.length).toBeGreaterThan(0);
    for (const report of reports) {
      expect(report.kind).toBe('slub');
      expect(report.title).toMatch(/^BUG kmalloc-\w+ \(Tainted: [^)]*\): Right Redzone overwritten$/);
      expect(report.moduleFrame).toMatch(/^kshram_realloc\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]$/);
      expect(report.text).not.toMatch(/Redzone +[0-9a-f]{8,}: cc/);
      expect(report.complete).toBe(true);
    }
    // repeats of one bug in caches of other sizes are one finding
    expect(new Set(reports.map((r) => sameBugTitle(r.title)))).toEqual(new Set(['BUG kmalloc : Right Redzone overwritten']));
  });
});

describe('kmemleak', () => {
  const elf: ElfFunctions = {
    relocatable: true,
    byName: new Map([
      ['kshram_realloc', [{ name: 'kshram_realloc', section: '.text', value: 0x40, size: 0x60 }]],
      ['kshram_init', [{ name: 'kshram_init', section: '.init.text', value: 0, size: 0x1f0 }]],
    ]),
  };
  const consoleText = '[    5.0] kshram-lab: module kshram loaded: .text=0xffffffffc0200000 .init.text=0xffffffffc0208000 .exit.text=0xffffffffc0207000\n';
  const output = [
    'unreferenced object 0xffff888006a4c000 (size 4096):',
    '  comm "insmod", pid 85, jiffies 4294672105 (age 21.320s)',
    '  hex dump (first 32 bytes):',
    '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
    '  backtrace:',
    '    [<000000007c2a3f11>] __kmalloc_node_track_caller+0x5f/0x140',
    '    [<00000000a9d1c3e2>] krealloc+0x57/0xc0',
    '    [<0000000011b2c3d4>] 0xffffffffc020006e',
    '    [<00000000deadbeef>] 0xffffffffc020805c',
    '    [<0000000012345678>] do_one_initcall+0x98/0x390',
    'unreferenced object 0xffff888004000000 (size 64):',
    '  comm "swapper/0", pid 1, jiffies 4294667296 (age 30.1s)',
    '  backtrace:',
    '    [<000000007c2a3f11>] kmalloc_trace+0x26/0x60',
    '    [<000000001234abcd>] acpi_os_map_iomem+0x1a/0x2b0',
  ].join('\n');

  it("names a leak's call sites in an unloaded module from where the guest logged its sections, and leaves out the kernel's own", () => {
    const loads = parseModuleLoads(consoleText);
    expect(loads).toEqual([{ module: 'kshram', sections: new Map([['.text', 0xffffffffc0200000n], ['.init.text', 0xffffffffc0208000n], ['.exit.text', 0xffffffffc0207000n]]) }]);
    const blocks = parseKmemleak(output, new Map([['kshram', elf]]), loads);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ size: 4096, comm: 'insmod', unnamed: 0 });
    expect(blocks[0]!.frames.map((f) => f.text)).toEqual([
      '__kmalloc_node_track_caller+0x5f/0x140',
      'krealloc+0x57/0xc0',
      'kshram_realloc+0x2e/0x60 [kshram]',
      'kshram_init+0x5c/0x1f0 [kshram]',
      'do_one_initcall+0x98/0x390',
    ]);
  });

  it('describes the blocks lost at one place as one leak, with their count, bytes and the programs that allocated them', () => {
    const [block] = parseKmemleak(output, new Map([['kshram', elf]]), parseModuleLoads(consoleText));
    expect(describeLeaks([block!])).toBe('1 object (4096 bytes) allocated in kshram_realloc+0x2e/0x60 [kshram] were never freed (by insmod)');
    expect(describeLeaks([block!, { ...block!, size: 8192, comm: 'check_resize' }, block!])).toBe(
      '3 objects (16384 bytes) allocated in kshram_realloc+0x2e/0x60 [kshram] were never freed (by insmod, check_resize)',
    );
  });
});

describe('checked kernels', () => {
  const stock = { name: 'debian-6.12', kernelRelease: '6.12.57+deb13-amd64', qemu: { memory: '256M', cpu: 'qemu64', smp: 2, append: 'foo=1', extraArgs: [] } } as unknown as Kit;
  it('boots a stock kernel with slub_debug and page poisoning (and KFENCE from 6.12), a debug kit as it is', () => {
    expect(checkedParameters(stock)).toEqual(['slub_debug=FZPU', 'page_poison=1', 'kfence.sample_interval=5']);
    expect(kernelCommandLine(stock, bootProfile(stock, { checked: true }))).toMatch(/ foo=1 slub_debug=FZPU page_poison=1 kfence.sample_interval=5$/);
    expect(kernelCommandLine(stock, bootProfile(stock))).not.toMatch(/slub_debug/);
    expect(checkedParameters({ ...stock, kernelRelease: '6.1.0-57-amd64' })).toEqual(['slub_debug=FZPU', 'page_poison=1']);
    const debug = { ...stock, kernelRelease: '6.1.192-kshram-debug', sanitizers: ['kasan', 'kmemleak'] } as Kit;
    // its CPUs are reported stuck after 24 s, while it boots as after
    expect(checkedParameters(debug)).toEqual([]);
    expect(bootProfile(debug)).toMatchObject({ checked: true, watchdogS: 12 });
    expect(kernelCommandLine(debug, bootProfile(debug))).toMatch(/ watchdog_thresh=12 kshram_watchdog_thresh=12 foo=1$/);
    expect(checkersOf(debug)).toEqual(['kasan', 'kmemleak']);
    // the course's limit on its own kind of kernel; three times it on a checking kernel that is that much slower
    expect(defaultTimeLimitMs(stock, 120_000)).toBe(120_000);
    expect(defaultTimeLimitMs(debug, 120_000)).toBe(360_000);
  });
});
