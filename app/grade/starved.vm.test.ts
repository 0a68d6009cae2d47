import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from './runner.js';
import { referenceWithInit as writeReferenceWithInit, TAKES_EVERY_PAGE } from '../../test/bad-inputs.js';

/**
 * Real QEMU: a module that starves the guest of memory, and one that logs
 * a lot from its init (a flood caught in printk: app/vm/flood.test.ts). The verdict names what happened, and comes in
 * seconds instead of at the 120 s limit.
 */
let root: string;
/** Far below the run's 120 s limit, which a missed OOM would run into; far above filling the guest's memory on a loaded host. */
const OOM_VERDICT_MS = 60_000;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kshram-starved-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const referenceWithInit = (name: string, code: string): Promise<string> => writeReferenceWithInit(join(root, name), code);

describe('a starved or flooded guest', () => {
  it('names the OOM when init takes all memory, at once instead of at the time limit', async () => {
    // every page the allocator will give, never freed
    const dir = await referenceWithInit('hog', TAKES_EVERY_PAGE);
    const started = Date.now();
    const report = await gradeSubmission(dir);
    const elapsed = Date.now() - started;
    console.log(`OOM module graded in ${(elapsed / 1000).toFixed(1)} s: ${report.items[2]!.summary}`);
    expect(report.items[2]).toMatchObject({ id: 3, status: 'fail' });
    expect(report.items[2]!.summary).toMatch(/^The guest ran out of memory: Out of memory: Killed process \d+ \(\S+\).*\(during insmod/);
    expect(report.crash?.kind).toBe('oom');
    // the verdict comes when the OOM killer strikes, not at the 120 s time limit (boot and builds vary with the
    // host's load, and so does filling 256 MiB a page at a time under TCG: seconds idle, several times that loaded)
    expect(report.items[2]!.elapsedMs).toBeLessThan(OOM_VERDICT_MS);
  }, 180_000);

  it('grades a module that logs a few thousand lines from init 100/100: pr_info stays in the kernel log, off the serial console', async () => {
    const dir = await referenceWithInit('chatty', '\t{\n\t\tint i;\n\n\t\tfor (i = 0; i < 3000; i++)\n\t\t\tpr_info("kshram: a chatty init, line %d of many\\n", i);\n\t}');
    let console = '';
    const report = await gradeSubmission(dir, { listener: { onConsoleData: (text) => (console += text) } });
    expect(report.crash).toBeUndefined();
    expect(report.items.map((i) => i.status)).toEqual(Array(8).fill('pass'));
    // the console did not carry them (looked at directly: item 3's time said it only on an idle host)
    expect(console).toContain('grader: item 3:');
    expect(console).not.toContain('a chatty init, line');
  }, 180_000);

  it('names an endless pr_info loop in init as a log flood at its line, from the watchdog, long before the time limit', async () => {
    const dir = await referenceWithInit('flood', '	for (;;)\n\t\tpr_info("kshram: still initialising\\n");');
    const report = await gradeSubmission(dir);
    expect(report.items.map((i) => i.status)).toEqual(['pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run', 'not-run', 'not-run']);
    expect(report.items[2]!.summary).toMatch(/^your code: kshram\.c:\d+ `pr_info\("kshram: still initialising\\n"\);` in kshram_init — Kernel log flood \(kernel lockup, printing\) in \S+ \(called from kshram_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]\): watchdog: BUG: soft lockup/);
    // at console log level 7 the serial driver kept the soft-lockup watchdog quiet: RCU named it after ~28 s
    expect(report.items[2]!.elapsedMs).toBeLessThan(40_000);
  }, 180_000);
});

describe('what rmmod leaves running', () => {
  it('notes a kernel thread the module started and never stopped', async () => {
    const dir = await referenceWithInit('kthread', '\tkthread_run(kshram_sleeper, NULL, "kshram_sleeper");');
    const source = await readFile(join(dir, 'kshram.c'), 'utf8');
    const sleeper = '#include <linux/kthread.h>\n\n/* sleeps for ever and is never stopped: it outlives rmmod */\nstatic int kshram_sleeper(void *unused)\n{\n\tschedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);\n\treturn 0;\n}\n\nstatic int __init kshram_init(void)\n';
    await writeFile(join(dir, 'kshram.c'), source.replace('static int __init kshram_init(void)\n', sleeper));
    const report = await gradeSubmission(dir);
    expect(report.total).toBe(100);
    expect(report.notes).toContain('unload test #1: kernel thread(s) started while kshram was loaded still run after rmmod: kshram_sleeper (kthread_stop missing?)');
  }, 180_000);
});
