import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CLANGD_MS, completeKzal, editorLines, typeAtEnd } from './clangd-ui.js';
import { e2eFixture, goToLine, openPage, screenshot, startWebMode, terminalText, waitForTerminal, copyStudentModule } from './harness.js';

/** A build and a TCG boot take ~10 s, far more on a busy host; these are the give-up points. */
const BOOT_MS = 120_000;
const BUILD_MS = 60_000;
const UI_MS = 15_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds while other VMs hold both cores. */
const GUEST_MS = 60_000;
/** What the rebuilt module says at init: only the new build can print it. */
const REBUILT = 'kshram: rebuilt while running';
/** The console's last line is the shell's prompt, nothing after it. */
const PROMPT_LAST = /kshram:\/root# \s*$/;

const moduleStatus = (page: Page) => page.getByTestId('module-status');
/** The build times the status carries (data-loaded is empty while nothing is loaded). */
async function builds(page: Page): Promise<{ loaded: string; ready: string }> {
  return { loaded: (await moduleStatus(page).getAttribute('data-loaded')) ?? '', ready: (await moduleStatus(page).getAttribute('data-ready')) ?? '' };
}

describe('a rebuild reaches the running guest, in Chromium over web mode on a real QEMU boot', () => {
  const fx = e2eFixture('kshram-e2e-reload-');

  it('boots to a clean prompt, says which build is loaded, hands a new build to the guest, reloads it in one click, follows typed loads, and a page reload keeps the console and clangd', { timeout: 600_000 }, async () => {
    const dir = join(fx.tmp, 'lab05');
    await copyStudentModule(dir);
    fx.web = await startWebMode([dir]);
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await editorLines(page).getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });

    // Boot loads the module; insmod's messages do not swallow the first prompt: it is drawn again below them
    await page.getByTestId('boot-button').click();
    await page.locator('[data-testid=module-status][data-newer=false]').waitFor({ timeout: BOOT_MS });
    await waitForTerminal(page, /slots of 4096 bytes ready[\s\S]*kshram:\/root# \s*$/, GUEST_MS);
    const booted = await builds(page);
    expect(booted.loaded).toBe(booted.ready);
    await expect(moduleStatus(page).innerText()).resolves.toMatch(/^kshram\.ko: build of \d{1,2}:\d\d:\d\d\s?[AP]?M? loaded$/);
    await screenshot(page, 'reload-01-booted');

    // a build while the VM runs: the guest gets it, the status says a newer one is ready
    const source = await readFile(join(dir, 'kshram.c'), 'utf8');
    const initLine = source.split('\n').findIndex((l) => l.includes('slots of %d bytes ready')) + 1;
    await editorLines(page).click();
    await goToLine(page, initLine - 1);
    await page.keyboard.press('End');
    await page.keyboard.insertText(`\n\tpr_info("${REBUILT.replace('kshram: ', '')}\\n");`);
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid=build-toast][data-ok=true]').waitFor({ timeout: BUILD_MS });
    await page.locator('[data-testid=module-status][data-newer=true]').waitFor({ timeout: BUILD_MS });
    const rebuilt = await builds(page);
    expect(rebuilt.loaded).toBe(booted.loaded);
    expect(Number(rebuilt.ready)).toBeGreaterThan(Number(booted.ready));
    await expect(moduleStatus(page).innerText()).resolves.toMatch(/a newer build \(.+\) is ready\s*⟳?\s*Reload module/);
    await screenshot(page, 'reload-02-newer-build-ready');

    // one click: rmmod + insmod through the agent; the new code runs, the status follows, the prompt comes back
    await page.getByTestId('reload-module').click();
    await page.locator(`[data-testid=module-status][data-loaded="${rebuilt.ready}"]`).waitFor({ timeout: GUEST_MS });
    await waitForTerminal(page, new RegExp(`${REBUILT}[\\s\\S]*kshram:\\/root# \\s*$`), GUEST_MS);
    expect(await terminalText(page)).toMatch(/reloaded kshram\.ko: loaded the build of/);
    await screenshot(page, 'reload-03-reloaded');

    // loads typed into the console are followed: unloaded, then loaded again from /lib/kshram
    await page.getByTestId('terminal').click();
    await page.keyboard.type('rmmod kshram\n');
    await page.locator('[data-testid=module-status][data-loaded=""]').waitFor({ timeout: GUEST_MS });
    await expect(moduleStatus(page).innerText()).resolves.toMatch(/kshram\.ko not loaded/);
    await page.keyboard.type('insmod /lib/kshram/kshram.ko\n');
    await page.locator(`[data-testid=module-status][data-loaded="${rebuilt.ready}"]`).waitFor({ timeout: GUEST_MS });
    await waitForTerminal(page, PROMPT_LAST, GUEST_MS);

    // a page reload gives back the console, the module's state and clangd (no "server already initialized")
    await page.reload();
    await editorLines(page).getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });
    await waitForTerminal(page, new RegExp(REBUILT), UI_MS);
    await page.locator(`[data-testid=module-status][data-loaded="${rebuilt.ready}"]`).waitFor({ timeout: UI_MS });
    await page.locator('[data-testid=lsp-status][data-state=running]').waitFor({ timeout: CLANGD_MS });
    await typeAtEnd(page, ['void *kshram_probe = kzal']);
    await completeKzal(page);
    expect(await page.getByTestId('lsp-status').getAttribute('data-state')).toBe('running');
    await screenshot(page, 'reload-04-page-reloaded');

    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });
});
