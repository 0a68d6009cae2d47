import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findClangd } from '../app/lsp/clangd.js';
import { BUILD_MS, CLANGD_MS, clickWord, completeKzal, createStarter, orScreenshot, typeAtEnd, UI_MS, waitForClangd } from './clangd-ui.js';
import { e2eFixture, openPage, screenshot, startWebMode } from './harness.js';

/** The code the test types into the starter's kshram.c, at its end: calls into three kernel APIs and one type error. */
const PROBE = ['static int kshram_probe_apis(struct vm_area_struct *vma, void *p) { p = krealloc(p, 64, GFP_KERNEL); return remap_pfn_range(vma, vma->vm_start, 0, PAGE_SIZE, vma->vm_page_prot); }'];
const TYPE_ERROR = 'static int kshram_broken(struct page *page) { return page->no_such_field; }';

/** Accepts kzalloc: its snippet's placeholders take the arguments (Tab between them); then the function is closed. */
async function acceptAndFinish(page: Page): Promise<void> {
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=editor] .view-lines').getByText(/return\skzalloc\(size_t\ssize,\sgfp_t\sflags\)/).waitFor({ timeout: UI_MS }).catch(async (err: unknown) => {
    await screenshot(page, 'clangd-failed-accept');
    throw err;
  });
  await page.keyboard.type('64');
  await page.keyboard.press('Tab');
  await page.keyboard.type('GFP_KERNEL');
  await page.keyboard.press('Escape');
  await page.keyboard.press('End');
  await page.keyboard.insertText('; }');
  await page.locator('[data-testid=editor] .view-lines').getByText(/return\skzalloc\(64,\sGFP_KERNEL\);\s}/).waitFor({ timeout: UI_MS });
}

describe.skipIf(!(await findClangd()))('the editor with clangd, in Chromium over web mode', () => {
  const fx = e2eFixture('kshram-e2e-clangd-');

  it('completes, shows docs, opens kit headers read-only, underlines a type error before a build and lists it once after; again on debian-6.12', { timeout: 600_000 }, async () => {
    fx.web = await startWebMode([]);
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await createStarter(page, join(fx.tmp, 'lab05'));
    await waitForClangd(page, 'debian-6.1');
    await typeAtEnd(page, PROBE);

    // completion: `kzal` offers kzalloc, with its signature
    await typeAtEnd(page, ['static void *kshram_zeroed(void) { return kzal']);
    await completeKzal(page);
    await screenshot(page, 'clangd-01-completion');
    await acceptAndFinish(page);
    await page.locator('[data-testid=lsp-status][data-errors="0"]').waitFor({ timeout: CLANGD_MS });

    // hover: remap_pfn_range's parameters and its kernel-doc comment
    await clickWord(page, 'remap_pfn_range(vma');
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Control+i');
    const hover = page.locator('.monaco-hover:visible').filter({ hasText: 'remap_pfn_range' }).first();
    await hover.waitFor({ timeout: UI_MS }).catch(async (err: unknown) => {
      await screenshot(page, 'clangd-failed-hover');
      throw err;
    });
    const hoverText = await hover.innerText();
    expect(hoverText).toMatch(/unsigned long addr/);
    expect(hoverText).toMatch(/unsigned long pfn/);
    expect(hoverText).toMatch(/remap kernel memory to userspace/);
    await screenshot(page, 'clangd-02-hover');
    await page.keyboard.press('Escape');

    // F12 on krealloc: the kit's slab.h, read-only, at its declaration
    await clickWord(page, 'krealloc(p');
    await page.keyboard.press('F12');
    const header = page.locator('[data-testid=header-tab][aria-selected=true]');
    await header.waitFor({ timeout: UI_MS });
    await expect(header.getAttribute('data-label')).resolves.toBe('include/linux/slab.h');
    await expect(header.getAttribute('data-path')).resolves.toMatch(/kits\/debian-6\.1\/root\/usr\/src\/linux-headers-6\.1[^/]*\/include\/linux\/slab\.h$/);
    await page.locator('[data-testid=editor] .view-lines').getByText(/krealloc\(const\svoid\s\*/).first().waitFor({ timeout: UI_MS });
    await page.keyboard.type('x');
    await page.getByText("This is one of the kit's headers: read-only.").first().waitFor({ timeout: UI_MS });
    await screenshot(page, 'clangd-03-definition-in-slab-h');
    await page.getByTestId('tab-kshram.c').click();

    // a type error is underlined as it is typed, before any build
    await typeAtEnd(page, [TYPE_ERROR]);
    await page.locator('[data-testid=lsp-status][data-errors="1"]').waitFor({ timeout: CLANGD_MS });
    await page.locator('[data-testid=editor] .squiggly-error').first().waitFor({ timeout: UI_MS });
    await expect(page.getByTestId('problem').count()).resolves.toBe(0);
    await screenshot(page, 'clangd-04-type-error-before-build');

    // after a build gcc reports it: listed once (Problems), clangd's copy stands down
    await page.getByTestId('build-button').click();
    await page.locator('[data-testid=build-status][data-ok=false]').waitFor({ timeout: BUILD_MS });
    const problems = page.getByTestId('problem');
    await problems.first().waitFor({ timeout: UI_MS });
    const texts = await problems.allInnerTexts();
    expect(texts.filter((t) => /no_such_field/.test(t)), texts.join(' / ')).toHaveLength(1);
    await page.locator('[data-testid=lsp-status][data-errors="0"]').waitFor({ timeout: UI_MS });
    // one squiggle per problem line: gcc's (the line's clangd marker is withdrawn, the badge counts none);
    // Monaco redraws decorations on a later frame than the badge changes, so the count is looked at until it settles
    await expect.poll(() => page.locator('[data-testid=editor] .squiggly-error').count(), { timeout: UI_MS }).toBe(1);
    // and hovering the line shows the message once: gcc's (clangd's marker is gone from the editor, not only from the lists)
    await clickWord(page, 'no_such_field;');
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Control+i');
    const problemHover = page.locator('.monaco-hover:visible').filter({ hasText: /has no member named 'no_such_field'/ }).first();
    await orScreenshot(page, 'clangd-failed-hover-after-build', problemHover.waitFor({ timeout: UI_MS }));
    const problemHoverText = await problemHover.innerText();
    expect(problemHoverText.match(/no member named 'no_such_field'/gi), problemHoverText).toHaveLength(1);
    await screenshot(page, 'clangd-05-after-build-listed-once');
    await page.keyboard.press('Escape');
    // another kit: clangd restarts on its headers, and definitions come from 6.12
    await page.getByTestId('kit-select').selectOption('debian-6.12');
    await waitForClangd(page, 'debian-6.12');
    // the old kit's header tabs close with the switch (the status may say running a moment before they go)
    await expect.poll(() => page.locator('[data-testid=header-tab]').count(), { timeout: UI_MS }).toBe(0);
    await clickWord(page, 'krealloc(p');
    await page.keyboard.press('F12');
    await header.waitFor({ timeout: CLANGD_MS });
    await expect(header.getAttribute('data-path')).resolves.toMatch(/kits\/debian-6\.12\/root\/usr\/src\/linux-headers-6\.12[^/]*\/include\/linux\/slab\.h$/);
    await page.getByTestId('tab-kshram.c').click();
    await typeAtEnd(page, ['static void *kshram_zeroed2(void) { return kzal']);
    await completeKzal(page);
    await screenshot(page, 'clangd-06-debian-6.12');
    await page.keyboard.press('Escape');
    await page.keyboard.insertText('loc(64, GFP_KERNEL); }');
    await page.locator('[data-testid=lsp-status][data-errors="0"]').waitFor({ timeout: CLANGD_MS });
    expect(errors).toEqual([]);
  });

  it('says once, plainly, how to get clangd when it is not installed, and the editor still works', { timeout: 180_000 }, async () => {
    await fx.web?.stop();
    fx.web = await startWebMode([], { KSHRAM_LAB_CLANGD: '/nonexistent/clangd' });
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await createStarter(page, join(fx.tmp, 'no-clangd'));
    const notice = page.getByTestId('lsp-notice');
    await notice.waitFor({ timeout: UI_MS });
    await expect(notice.innerText()).resolves.toMatch(/need clangd, which is not installed.*apt-get install clangd-19/);
    await expect(page.getByTestId('lsp-notice').count()).resolves.toBe(1);
    await typeAtEnd(page, ['int kshram_still_editable;']);
    await page.locator('[data-testid=editor] .view-lines').getByText('int kshram_still_editable;').waitFor({ timeout: UI_MS });
    await screenshot(page, 'clangd-07-not-installed');
    expect(errors).toEqual([]);
  });
});
