import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SANITIZER_CASES } from '../test/corpus/sanitizer-cases.js';
import { writeVariant } from '../test/corpus/variants.js';
import { e2eFixture, openPage, screenshot, startWebMode, waitForTerminal } from './harness.js';

/** A checked TCG boot takes ~10 s, far more on a busy host; these are the give-up points. */
const BOOT_MS = 180_000;
/** kshram_tap runs in a few seconds; SLUB reports the overwritten red zone when the object is freed. */
const REPORT_MS = 60_000;
/** A checked grade on the stock kit: ~30 s here, several times that on a busy host. */
const GRADE_MS = 300_000;
const UI_MS = 15_000;
/** A build on save: seconds, far more on a busy host. */
const BUILD_MS = 60_000;

const oneByteTooFar = SANITIZER_CASES.find((c) => c.name === 'ioctl-one-past-end')!;

/**
 * The Check toggle, as a student uses it, in Chromium over web mode on the
 * default (stock Debian 6.1) kit: a module that writes one byte past its
 * buffer passes every check and would score 100/100, but a checked boot's
 * slub_debug catches the overwritten red zone, and the workbench shows it
 * as a warning in Problems and at a line of kshram.c; a checked grade keeps
 * the points and lists the same finding.
 */
describe('the Check toggle, on a real QEMU boot and grade', () => {
  const fx = e2eFixture('kshram-e2e-checked-');
  let lines: string[];

  beforeAll(async () => {
    const dir = join(fx.tmp, 'lab05');
    await writeVariant({ name: oneByteTooFar.name, description: oneByteTooFar.description, edits: oneByteTooFar.edits, statuses: [], evidence: /./ }, dir);
    lines = (await readFile(join(dir, 'kshram.c'), 'utf8')).split('\n');
    fx.web = await startWebMode([dir]);
  });

  it('a checked boot shows slub_debug\'s report as a problem at a line of kshram.c; a checked grade keeps 100/100 and lists it', { timeout: 720_000 }, async () => {
    const { page, errors } = await openPage(fx.browser, fx.web!.url);
    await page.locator('[data-testid=editor] .view-lines').getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });

    // Check on, then Boot: the kernel runs with slub_debug; nothing is reported until the module misbehaves
    const toggle = page.getByTestId('check-toggle').locator('input');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await page.getByTestId('boot-button').click();
    await waitForTerminal(page, /kshram:\/root# /, BOOT_MS);
    await page.locator('[data-testid=vm-state][data-phase=running]').waitFor({ timeout: BOOT_MS });
    expect(await toggle.isDisabled()).toBe(true); // the running VM is what it is
    await page.getByTestId('tab-problems').click();
    expect(await page.getByTestId('problem-checked').count()).toBe(0);

    // the student runs kshram_tap, whose resizes include small ones (check_resize's 1 MiB buffers come
    // from the page allocator, where slub_debug has no red zones): every check passes. SLUB looks at a
    // red zone when its object is freed, so the report comes with rmmod
    await page.getByTestId('tab-terminal').click();
    await page.getByTestId('terminal').click();
    await page.keyboard.type('kshram_tap\n');
    await waitForTerminal(page, /ok 30 - [^\n]*\n?.*1\.\.30/, REPORT_MS);
    await page.keyboard.type('rmmod kshram\n');
    await page.getByTestId('tab-problems').click();
    const problem = page.getByTestId('problem-checked').first();
    await problem.waitFor({ timeout: REPORT_MS }).catch(async (err: unknown) => {
      await page.getByTestId('tab-terminal').click();
      await screenshot(page, 'checked-00-no-finding');
      throw err;
    });
    expect(await problem.getAttribute('data-kind')).toBe('slub');
    const text = await problem.innerText();
    expect(text).toMatch(/^⚠\s*SLUB debug: BUG kmalloc-\S+ \(.*\): Right Redzone overwritten — the buffer allocated here was written past its end; the write happened before it was freed \(or resized\), which is when SLUB looked \(checked run: a note, no points lost\)\s*kshram\.c:(\d+)$/);
    const line = Number(/kshram\.c:(\d+)$/.exec(text)![1]);
    // SLUB sees the damage when the object is freed or reallocated, so it names where that happened: kshram_realloc
    expect(lines[line - 1]).toContain('krealloc(');
    await expect(page.getByTestId('tab-problems').innerText()).resolves.toMatch(/problems\s*[1-9]/i);

    // the entry opens kshram.c at that line, where a warning marker carries the report
    await problem.click();
    await page.locator('[data-testid=editor] .squiggly-warning').first().waitFor({ timeout: UI_MS });
    // the marker may have been drawn before the click (kshram.c is open): the cursor's line shows a frame or more later
    await expect.poll(() => page.locator('[data-testid=editor] .active-line-number').first().innerText(), { timeout: UI_MS }).toBe(String(line));
    await screenshot(page, 'checked-01-boot-finding');

    // a checked grade: the course's points, and the same finding as a note and a problem
    await page.getByTestId('grade-button').click();
    await page.locator('[data-testid=grade-total].full').waitFor({ timeout: GRADE_MS });
    await expect(page.getByTestId('grade-total').innerText()).resolves.toMatch(/100\s*\/\s*100/);
    await expect(page.locator('.grade-notes').innerText()).resolves.toMatch(/checked run \(no points lost\): SLUB debug.*Right Redzone overwritten.*kshram\.c:\d+/);
    await page.getByTestId('tab-problems').click();
    await expect(page.getByTestId('problem-checked').first().innerText()).resolves.toMatch(/Right Redzone overwritten[\s\S]*kshram\.c:\d+/);
    await screenshot(page, 'checked-02-grade');

    // the note is about the graded code: once other code is built it leaves Problems and the editor (the grade pane keeps its record)
    await page.locator('[data-testid=editor] .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('// changed after the grade');
    await page.keyboard.press('Control+s');
    await page.getByTestId('grade-stale').waitFor({ timeout: UI_MS });
    // the build on save takes seconds (more on a busy host)
    await expect.poll(() => page.getByTestId('problem-checked').count(), { timeout: BUILD_MS }).toBe(0);
    await screenshot(page, 'checked-03-rebuilt');
    expect(errors).toEqual([]);
  });
});
