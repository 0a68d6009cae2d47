import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS, writeVariant } from '../test/corpus/variants.js';
import { e2eFixture, openPage, screenshot, startWebMode, terminalText, VIEWPORT, waitForTerminal } from './harness.js';

/** A TCG boot takes ~5 s, far more on a busy host; these are the give-up points. */
const BOOT_MS = 120_000;
const CRASH_MS = 30_000;
const UI_MS = 15_000;
/** The bar: a booted broken-mmap module, nothing typed, no kernel report for this long. */
const IDLE_MS = 30_000;
/** Time for the slot view to refresh after the crashed command, were it to. */
const AFTER_CRASH_MS = 5_000;
/** Tall enough for the terminal to show the whole boot and report without scrolling. */
const TALL_VIEWPORT_HEIGHT = 4_000;

const brokenMmap = VARIANTS.find((v) => v.name === 'oops-in-mmap')!;

/** Boots from the toolbar and waits for the shell and the slot sizes. */
async function boot(page: Page): Promise<void> {
  await page.getByTestId('tab-terminal').click();
  await page.getByTestId('boot-button').click();
  await waitForTerminal(page, /kshram:\/root# /, BOOT_MS);
  await page.locator('[data-testid=slot-card][data-size="4096"]').nth(7).waitFor({ timeout: BOOT_MS });
  await page.locator('[data-testid=vm-state][data-phase=running]').waitFor({ timeout: BOOT_MS });
}

/**
 * A student's mmap handler that dereferences NULL (the reference with the
 * corpus's oops-in-mmap edit), in Chromium over web mode on a real boot:
 * the slot view leaves it alone until the student runs something, the
 * crash lands on its line of kshram.c, and a crash under the slot view's
 * own helper is called that.
 */
describe('a kernel crash in the workbench, on a real QEMU boot', () => {
  const fx = e2eFixture('kshram-e2e-crash-');
  let dir: string;
  let source: string;

  beforeAll(async () => {
    dir = await writeVariant(brokenMmap, join(fx.tmp, 'lab05'));
    source = await readFile(join(dir, 'kshram.c'), 'utf8');
    fx.web = await startWebMode([dir]);
  });

  it('idles without touching the broken mmap, then decodes check_msg\'s crash to its line with a marker, a link and a Problems entry', { timeout: 420_000 }, async () => {
    const { page, errors } = await openPage(fx.browser, fx.web!.url);
    const lines = page.locator('[data-testid=editor] .view-lines');
    await lines.getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });
    await boot(page);

    // nothing typed: the slot view shows sizes only and never maps a slot, so no report comes
    await page.waitForTimeout(IDLE_MS);
    expect(await page.getByTestId('crash-banner').count()).toBe(0);
    expect(await terminalText(page)).not.toMatch(/BUG:|Oops/);
    await expect(page.getByTestId('slot-note').innerText()).resolves.toMatch(/after a command you run has finished/);
    await screenshot(page, 'crash-01-idle-30s');

    // the student runs check_msg: its mmap crashes the kernel, once, and the banner names it
    await page.getByTestId('terminal').click();
    await page.keyboard.type('check_msg\n');
    const banner = page.getByTestId('crash-banner');
    await banner.waitFor({ timeout: CRASH_MS });
    // the link comes once the whole report has arrived and was decoded
    await banner.getByTestId('crash-link').waitFor({ timeout: CRASH_MS });
    await expect(banner.locator('.crash-title').innerText()).resolves.toMatch(/^⚠ Kernel Oops in mutex_lock\+0x[0-9a-f]+\/0x[0-9a-f]+ \(called from kshram_mmap\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]\): BUG: kernel NULL pointer dereference/);
    const line = source.split('\n').findIndex((l, i, all) => l.includes('mutex_lock(&slot->lock);') && all.slice(0, i).some((p) => p.startsWith('static int kshram_mmap('))) + 1;
    await expect(banner.getByTestId('crash-link').innerText()).resolves.toBe(`kshram.c:${line}`);
    await expect(banner.getByTestId('crash-task').innerText()).resolves.toMatch(/while check_msg was running/);
    expect(await page.getByTestId('crash-slot-view').count()).toBe(0);
    await expect(page.locator('.slot-error').first().innerText()).resolves.toBe('the VM crashed');

    // exactly one report, even after the slot view has had time to refresh (check_msg died holding its
    // mmap lock, so the shell never gets it back: the console is read in a window tall enough to hold it all)
    await page.waitForTimeout(AFTER_CRASH_MS);
    await page.setViewportSize({ width: VIEWPORT.width, height: TALL_VIEWPORT_HEIGHT });
    // the resize reaches xterm some frames later: the boot's lines come back into view then
    await expect.poll(() => terminalText(page), { timeout: UI_MS }).toMatch(/kshram: 8 slots of 4096 bytes ready/);
    const console = await terminalText(page);
    expect(console.match(/BUG: kernel NULL pointer dereference/g)).toHaveLength(1);
    expect(console).toMatch(/Comm: check_msg /);
    expect(console).not.toMatch(/slot-view/);
    await page.setViewportSize(VIEWPORT);

    // the link opens kshram.c at the line, where an error marker carries the report
    await banner.getByTestId('crash-link').click();
    const marker = page.locator('[data-testid=editor] .squiggly-error');
    await marker.first().waitFor({ timeout: UI_MS });
    const current = page.locator('[data-testid=editor] .current-line');
    await current.first().waitFor({ timeout: UI_MS });
    // the cursor's line number is drawn on a later frame than the marker: look until it shows the line
    await expect.poll(() => page.locator('[data-testid=editor] .active-line-number').first().innerText(), { timeout: UI_MS }).toBe(String(line));
    // the squiggle lies under the text layer: point at it rather than hover the element
    const box = (await marker.first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover').filter({ hasText: 'BUG: kernel NULL pointer dereference' });
    await hover.first().waitFor({ timeout: UI_MS });
    await expect(hover.first().innerText()).resolves.toMatch(/while check_msg was running/);
    await screenshot(page, 'crash-02-decoded-to-line');

    // and Problems lists it, linking the same line
    await page.getByTestId('tab-problems').click();
    await expect(page.getByTestId('problem-crash').innerText()).resolves.toMatch(new RegExp(`Kernel Oops[\\s\\S]*check_msg[\\s\\S]*kshram\\.c:${line}`));
    await screenshot(page, 'crash-03-problems');
    expect(errors).toEqual([]);
  });

  it('a crash under the slot view\'s own helper is called that, naming the device', { timeout: 300_000 }, async () => {
    // a fresh workbench on the same folder, as after a restart
    await fx.web?.stop();
    fx.web = await startWebMode([dir]);
    const { page } = await openPage(fx.browser, fx.web.url);
    await page.locator('[data-testid=editor] .view-lines').getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });
    await boot(page);
    // a command that finished: now the slot view maps the slots, and the broken mmap crashes under it
    await page.getByTestId('terminal').click();
    await page.keyboard.type('true\n');
    const blame = page.getByTestId('crash-slot-view');
    await blame.waitFor({ timeout: CRASH_MS });
    await expect(blame.innerText()).resolves.toMatch(/the slot view's mmap of \/dev\/kshram0 hit this bug — your mmap handler crashed \(kshram_mmap\)/);
    await page.getByTestId('crash-link').waitFor({ timeout: CRASH_MS });
    await screenshot(page, 'crash-04-slot-view-helper');
  });
});
