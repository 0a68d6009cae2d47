import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir } from '../app/paths.js';
import { e2eFixture, openPage, screenshot, startWebMode, terminalText, waitForMidGrade, waitForTerminal, copyStudentModule } from './harness.js';

/** Builds take ~2 s, a TCG boot ~5 s, a grade ~10 s; these are the give-up points. */
const BUILD_MS = 60_000;
const BOOT_MS = 90_000;
const GRADE_MS = 150_000;
const UI_MS = 15_000;
/** A command's output from the TCG guest: at once on an idle host, seconds while other VMs hold both cores. */
const GUEST_MS = 60_000;

describe('the workbench in Chromium, over web mode, on a real QEMU boot', () => {
  const fx = e2eFixture('kshram-e2e-');

  it('creates a workspace, shows a compile error as a marker, builds, boots, shows the slots and grades 100/100', { timeout: 420_000 }, async () => {
    fx.web = await startWebMode([]);
    const { page, errors } = await openPage(fx.browser, fx.web.url);

    // open the app: no workspace yet, so the dialog asks for one
    await page.getByTestId('workspace-dialog').waitFor({ timeout: UI_MS });
    await page.getByTestId('statusbar').getByText('QEMU · TCG').or(page.getByTestId('statusbar').getByText('QEMU · KVM')).waitFor({ timeout: UI_MS });
    await screenshot(page, '01-workspace-dialog');
    const dir = join(fx.tmp, 'lab05');
    await page.getByTestId('create-path').fill(dir);
    await page.getByTestId('template-reference').click();
    await page.getByTestId('create-button').click();
    await page.getByTestId('workspace-dialog').waitFor({ state: 'detached', timeout: UI_MS });
    const lines = page.locator('[data-testid=editor] .view-lines');
    await lines.getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });

    // type a syntax error into kshram.c: unsaved, and kept across a reload
    await lines.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('int kshram_oops = ;');
    await page.keyboard.press('Enter');
    await page.getByTestId('tab-kshram.c').getByTestId('unsaved').waitFor({ timeout: UI_MS });
    // at once, within the pause in typing after which the draft is written: the page's end writes it
    await page.reload();
    await page.getByText('Restored unsaved changes to kshram.c').waitFor({ timeout: UI_MS });
    await page.getByTestId('tab-kshram.c').getByTestId('unsaved').waitFor({ timeout: UI_MS });
    await lines.click();
    await page.keyboard.press('Control+End');
    await lines.getByText('int kshram_oops = ;').waitFor({ timeout: UI_MS });
    await screenshot(page, '02-unsaved-draft-restored');

    // Build saves and compiles: gcc's error becomes a marker and a Problems entry
    await page.getByTestId('build-button').click();
    await screenshot(page, '03-building');
    await page.locator('[data-testid=build-status][data-ok=false]').waitFor({ timeout: BUILD_MS });
    await page.locator('[data-testid=editor] .squiggly-error').first().waitFor({ timeout: UI_MS });
    const problem = page.getByTestId('problem').first();
    await expect(problem.innerText()).resolves.toMatch(/expected expression[\s\S]*kshram\.c:\d+:/);
    await screenshot(page, '04-compile-error-marker');
    await problem.click();

    // fix it and save with Ctrl+S: the build on save passes and the marker goes
    await lines.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Shift+ArrowUp');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid=build-status][data-ok=true]').waitFor({ timeout: BUILD_MS });
    await page.locator('[data-testid=editor] .squiggly-error').waitFor({ state: 'detached', timeout: UI_MS });
    await page.getByTestId('unsaved').waitFor({ state: 'detached', timeout: UI_MS });
    expect(await readFile(join(dir, 'kshram.c'), 'utf8')).toBe(await readFile(join(moduleDir, 'kshram.c'), 'utf8'));
    await screenshot(page, '05-build-passed');

    // boot: the serial console shows a shell prompt, the slot view eight slots of 4096
    await page.getByTestId('tab-terminal').click();
    await page.getByTestId('boot-button').click();
    await page.locator('[data-testid=vm-state][data-phase=booting]').waitFor({ timeout: BUILD_MS });
    await screenshot(page, '06-booting');
    await waitForTerminal(page, /kshram:\/root# /, BOOT_MS);
    await page.locator('[data-testid=slot-card][data-size="4096"]').nth(7).waitFor({ timeout: BOOT_MS });
    expect(await page.getByTestId('slot-card').count()).toBe(8);
    await screenshot(page, '07-running');

    // keystrokes go to the guest: cat /proc/kshram prints eight lines
    await page.getByTestId('terminal').click();
    await page.keyboard.type('cat /proc/kshram\n');
    await waitForTerminal(page, /07: 4096/, GUEST_MS);
    const shown = await terminalText(page);
    expect(shown.match(/^0[0-7]: 4096[^\S\n]*$/gm)).toEqual(Array.from({ length: 8 }, (_, i) => `0${i}: 4096`));
    await screenshot(page, '08-cat-proc-kshram');

    // a kernel crash is shown with its report
    await page.keyboard.type('echo c > /proc/sysrq-trigger\n');
    await page.getByTestId('crash-banner').locator('.crash-title').getByText('Kernel panic').waitFor({ timeout: BOOT_MS });
    await screenshot(page, '09-crashed');

    // grade: one click, the checklist ticks live, 100/100 at the end
    await page.getByTestId('grade-button').click();
    await waitForMidGrade(page, 4, GRADE_MS);
    await screenshot(page, '10-grading');
    await page.locator('[data-testid=check-item][data-status=pass]').nth(7).waitFor({ timeout: GRADE_MS });
    await expect(page.getByTestId('grade-total').innerText()).resolves.toMatch(/^100\s*\/100$/);
    await page.getByTestId('check-item').nth(4).locator('summary').click();
    await page.getByText('the message persisted between runs').waitFor({ timeout: UI_MS });
    await screenshot(page, '11-graded');

    // another workspace shows its own state: no grade, no build, not this one's console
    const other = join(fx.tmp, 'other');
    await page.getByTestId('workspace-button').click();
    await page.getByTestId('create-path').fill(other);
    await page.getByTestId('template-starter').click();
    await page.getByTestId('create-button').click();
    await page.getByTestId('workspace-dialog').waitFor({ state: 'detached', timeout: UI_MS });
    await expect.poll(() => page.getByTestId('workspace-button').getAttribute('title'), { timeout: UI_MS }).toBe(other);
    await expect.poll(() => page.getByTestId('grade-total').innerText(), { timeout: UI_MS }).not.toMatch(/^100/);
    await expect.poll(() => terminalText(page), { timeout: UI_MS }).not.toMatch(/graded: 100\/100/);
    await screenshot(page, '12-other-workspace');

    // back to the first: its grade (100/100, not stale: the code is the graded code) and its console come back
    await page.getByTestId('workspace-button').click();
    await page.getByTestId('open-path').fill(dir);
    await page.getByTestId('open-path').press('Enter');
    await page.getByTestId('workspace-dialog').waitFor({ state: 'detached', timeout: UI_MS });
    await expect.poll(() => page.getByTestId('grade-total').innerText(), { timeout: UI_MS }).toMatch(/^100\s*\/100$/);
    expect(await page.getByTestId('check-item').count()).toBe(8);
    await expect.poll(() => terminalText(page), { timeout: UI_MS }).toMatch(/graded: 100\/100/);
    expect(await page.getByTestId('grade-stale').count()).toBe(0);
    await screenshot(page, '13-back-to-first-workspace');

    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });

  it('says plainly when there is no kit and no QEMU, with the commands that fix it', { timeout: 120_000 }, async () => {
    const dir = join(fx.tmp, 'bare');
    await copyStudentModule(dir);
    const empty = await mkdtemp(join(fx.tmp, 'empty-cache-'));
    fx.web = await startWebMode([dir], { KSHRAM_LAB_CACHE: empty, KSHRAM_LAB_QEMU: join(empty, 'no-such-qemu') });
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await page.getByTestId('banner-kit').getByText('npx kshram-lab kits install debian-6.1').waitFor({ timeout: UI_MS });
    await page.getByTestId('banner-qemu').getByText('apt-get install qemu-system-x86').waitFor({ timeout: UI_MS });
    expect(await page.getByTestId('boot-button').isDisabled()).toBe(true);
    expect(await page.getByTestId('grade-button').isDisabled()).toBe(true);
    await screenshot(page, '12-no-kit-no-qemu');
    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });
});
