import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BUILD_MS, UI_MS, editorLines } from './clangd-ui.js';
import { e2eFixture, openPage, screenshot, startWebMode, copyStudentModule } from './harness.js';

/** As much of the page's DOM as these checks read (the e2e code compiles without the DOM's types). */
interface PageElement {
  tagName: string;
  closest(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
}
interface PageDom {
  document: { activeElement: PageElement | null };
  getComputedStyle(element: PageElement): { outlineStyle: string; outlineWidth: string };
}

/** The part of the workbench (data-part) the focus is in, and whether it is in the editor's or a terminal's text. */
function focusIn(page: Page): Promise<{ part: string | null; editor: boolean; terminal: boolean; tag: string }> {
  return page.evaluate(() => {
    const active = (globalThis as unknown as PageDom).document.activeElement;
    return {
      part: active?.closest('[data-part]')?.getAttribute('data-part') ?? null,
      editor: !!active?.closest('.monaco-editor'),
      terminal: !!active?.closest('.xterm'),
      tag: active?.tagName ?? '',
    };
  });
}

describe('the workbench by keyboard only, in Chromium over web mode', () => {
  const fx = e2eFixture('kshram-e2e-keyboard-');

  it('has shortcuts (in tooltips and a help page), a way out of the editor and the terminal, F6 between parts, a focus ring, and codicons', { timeout: 240_000 }, async () => {
    const dir = join(fx.tmp, 'lab05');
    await copyStudentModule(dir);
    fx.web = await startWebMode([dir]);
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await editorLines(page).getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });

    // the toolbar: codicons (no emoji that Debian draws as an empty box), the whole path, the keys in the tooltips
    expect(await page.getByTestId('debug-button').innerText()).not.toContain('🐞');
    expect(await page.getByTestId('debug-button').locator('.codicon-glyph').count()).toBe(1);
    expect(await page.getByTestId('workspace-button').innerText()).toMatch(/^(workspace )?(\/|…\/)/);
    expect(await page.getByTestId('build-button').getAttribute('title')).toMatch(/\(Ctrl\+Shift\+B\)$/);
    expect(await page.getByTestId('grade-button').getAttribute('title')).toMatch(/\(Ctrl\+Shift\+G\)$/);

    // F1 shows every shortcut; Escape closes it and the focus goes back where it was
    await editorLines(page).click();
    await page.keyboard.press('F1');
    const help = page.getByTestId('shortcuts-help');
    await help.waitFor({ timeout: UI_MS });
    for (const keys of ['Ctrl+Shift+B', 'Ctrl+F5', 'F5', 'Shift+F5', 'Ctrl+Shift+G', 'Ctrl+`', 'Ctrl+Shift+M', 'F6', 'Ctrl+M']) {
      expect(await help.locator('kbd', { hasText: new RegExp(`^${keys.replace(/[+`]/g, '\\$&')}$`) }).count(), keys).toBe(1);
    }
    await screenshot(page, 'keyboard-01-help');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached', timeout: UI_MS });
    expect((await focusIn(page)).editor).toBe(true);

    // Ctrl+Shift+B builds
    await page.keyboard.press('Control+Shift+B');
    await page.locator('[data-testid=build-toast][data-ok=true]').waitFor({ timeout: BUILD_MS });

    // Ctrl+M: Tab leaves the editor instead of inserting a tab (the status bar says so); Ctrl+M again turns it off
    await page.keyboard.press('Control+m');
    await page.getByTestId('tab-moves-focus').waitFor({ timeout: UI_MS });
    await page.keyboard.press('Tab');
    expect((await focusIn(page)).editor).toBe(false);
    await page.keyboard.press('Control+1');
    await expect.poll(async () => (await focusIn(page)).editor, { timeout: UI_MS }).toBe(true);
    await page.keyboard.press('Control+m');
    await page.getByTestId('tab-moves-focus').waitFor({ state: 'detached', timeout: UI_MS });

    // F6 goes editor → panel → side column → toolbar; Shift+F6 back
    await page.keyboard.press('F6');
    await expect.poll(async () => (await focusIn(page)).part, { timeout: UI_MS }).toBe('panel');
    await page.keyboard.press('F6');
    await expect.poll(async () => (await focusIn(page)).part, { timeout: UI_MS }).toBe('side');
    await page.keyboard.press('F6');
    await expect.poll(async () => (await focusIn(page)).part, { timeout: UI_MS }).toBe('toolbar');
    // what has the focus by keyboard shows a ring
    const ring = await page.evaluate(() => {
      const dom = globalThis as unknown as PageDom;
      const style = dom.getComputedStyle(dom.document.activeElement!);
      return { style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(ring).toEqual({ style: 'solid', width: '2px' });
    await screenshot(page, 'keyboard-02-focus-ring');
    await page.keyboard.press('Shift+F6');
    await expect.poll(async () => (await focusIn(page)).part, { timeout: UI_MS }).toBe('side');

    // Ctrl+` shows and focuses the terminal; Shift+Tab leaves it (Tab itself is the guest's)
    await page.keyboard.press('Control+`');
    await expect.poll(async () => (await focusIn(page)).terminal, { timeout: UI_MS }).toBe(true);
    expect(await page.getByTestId('tab-terminal').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(async () => (await focusIn(page)).terminal, { timeout: UI_MS }).toBe(false);

    // Ctrl+Shift+M shows Problems; ? (outside a text field) shows the help too
    await page.keyboard.press('Control+Shift+M');
    await expect.poll(() => page.getByTestId('tab-problems').getAttribute('aria-selected'), { timeout: UI_MS }).toBe('true');
    await page.getByTestId('tab-problems').focus();
    await page.keyboard.press('?');
    await help.waitFor({ timeout: UI_MS });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached', timeout: UI_MS });

    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });
});
