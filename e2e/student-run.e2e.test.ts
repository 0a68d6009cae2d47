import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { moduleDir } from '../app/paths.js';
import { e2eFixture, goToLine, openPage, type Dialogs, resultsDir, startWebMode, terminalText, waitForTerminal } from './harness.js';

/** Builds take ~3 s, a TCG boot ~5 s, a grade ~15 s on a busy machine; these are the give-up points. */
const BUILD_MS = 60_000;
const BOOT_MS = 120_000;
const GRADE_MS = 180_000;
const UI_MS = 15_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds while a build and other VMs hold both cores. */
const GUEST_MS = 60_000;
/** Longer than the toolbar's double-click guard, to tell a deliberate click from the second of a double click. */
const AFTER_GUARD_MS = 1_000;
/** Monaco draws a squiggle and a cursor at the character's left edge; sub-pixel rounding aside. */
const PIXEL_SLACK = 2;
/** What a select's drop-down arrow takes of its width. */
const SELECT_ARROW_PX = 12;
/** Well within a double click. */
const QUICK_SECOND_CLICK_MS = 100;
/** The widths a student's window has, from a small laptop to a desktop screen. */
const WIDTHS = [1024, 1280, 1440, 1920];
/** The line of the reference module the test breaks: two tabs deep. */
const TARGET_LINE = '\t\treturn -EINVAL;';
const BROKEN = 'ux_undeclared';

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(resultsDir, `ux-${name}.png`) });

/** The little of the DOM textLeft() uses (the tests are typechecked without the DOM). */
interface TextNode {
  textContent: string | null;
}
interface PageDom {
  document: {
    querySelectorAll(selector: string): Iterable<{ childNodes: unknown }>;
    createTreeWalker(root: unknown, show: number): { nextNode(): TextNode | null };
    createRange(): { setStart(node: TextNode, offset: number): void; setEnd(node: TextNode, offset: number): void; getBoundingClientRect(): { left: number } };
  };
}
/** NodeFilter.SHOW_TEXT */
const SHOW_TEXT = 4;

/** Where `text` starts on screen in the editor's rendered lines (Monaco draws tabs as spaces, so the DOM is searched, not the model). */
async function textLeft(page: Page, text: string): Promise<number> {
  const left = await page.evaluate(
    ({ wanted, show }) => {
      const { document } = globalThis as unknown as PageDom;
      for (const line of document.querySelectorAll('[data-testid=editor] .view-line')) {
        const walker = document.createTreeWalker(line, show);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent?.indexOf(wanted) ?? -1;
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + wanted.length);
          return range.getBoundingClientRect().left;
        }
      }
      return null;
    },
    { wanted: text, show: SHOW_TEXT },
  );
  if (left === null) throw new Error(`${text} is not on screen in the editor`);
  return left;
}

/** The toolbar at `width` px: the kit selector shows its whole text, every listed button is inside the window. */
async function toolbarFits(page: Page, width: number, buttons: string[], state = 'idle'): Promise<void> {
  await page.setViewportSize({ width, height: 800 });
  const select = page.getByTestId('kit-select');
  await select.waitFor({ timeout: UI_MS });
  const fit = await select.evaluate((el) => {
    const s = el as unknown as { selectedOptions: Array<{ text: string }>; clientWidth: number; getBoundingClientRect(): { right: number } };
    const g = globalThis as unknown as { innerWidth: number; document: { createElement(t: 'canvas'): { getContext(c: '2d'): { font: string; measureText(t: string): { width: number } } } }; getComputedStyle(e: unknown): { font: string; paddingLeft: string; paddingRight: string } };
    const style = g.getComputedStyle(el);
    const ctx = g.document.createElement('canvas').getContext('2d');
    ctx.font = style.font;
    return { right: s.getBoundingClientRect().right, viewport: g.innerWidth, text: s.selectedOptions[0]!.text, textWidth: ctx.measureText(s.selectedOptions[0]!.text).width, room: s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) };
  });
  expect(fit.text).toMatch(/ · Linux \d/);
  expect(fit.right, `kit selector at ${width} px (${state})`).toBeLessThanOrEqual(fit.viewport);
  // the arrow takes some of the room; the text must fit beside it
  expect(fit.textWidth, `kit name "${fit.text}" at ${width} px (${state})`).toBeLessThanOrEqual(fit.room - SELECT_ARROW_PX);
  for (const id of buttons) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box!.x + box!.width, `${id} at ${width} px (${state})`).toBeLessThanOrEqual(width);
  }
  await page.screenshot({ path: join(resultsDir, `ux-toolbar-${width}-${state}.png`), clip: { x: 0, y: 0, width, height: 120 } });
}

/** Left edge of `box`, or fails. */
async function leftOf(locator: Locator): Promise<number> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`not visible: ${locator.toString()}`);
  return box.x;
}

describe('what students hit in the same run, in Chromium over web mode on a real QEMU boot', () => {
  const fx = e2eFixture('kshram-e2e-ux-');

  it('tab columns, Ctrl+S anywhere, double clicks, confirmations, build toasts, a stale score, the kit selector, recent folders', { timeout: 600_000 }, async () => {
    // this user's own state: nothing opened yet
    fx.web = await startWebMode([], { KSHRAM_LAB_STATE: join(fx.tmp, 'state') });
    const { page, errors, dialogs } = await openPage(fx.browser, fx.web.url);
    try {
      await studentRun(page, dialogs);
    } catch (err) {
      await shot(page, 'FAILED');
      throw err;
    }
    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });

  async function studentRun(page: Page, dialogs: Dialogs): Promise<void> {
    await page.locator('[data-testid=workspace-dialog][data-recent=listed]').waitFor({ timeout: UI_MS });
    expect(await page.locator('.recent li').count()).toBe(0);
    const dir = join(fx.tmp, 'lab05');
    await page.getByTestId('create-path').fill(dir);
    await page.getByTestId('template-reference').click();
    await page.getByTestId('create-button').click();
    await page.getByTestId('workspace-dialog').waitFor({ state: 'detached', timeout: UI_MS });
    const lines = page.locator('[data-testid=editor] .view-lines');
    await lines.getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });

    // the kit selector shows the kit's whole name at every window width
    for (const width of WIDTHS) await toolbarFits(page, width, ['build-button', 'boot-button', 'debug-button', 'grade-button', 'workspace-button']);
    await page.setViewportSize({ width: 1440, height: 900 });

    // break a line two tabs deep: gcc's error lands on the exact character, in the editor and from Problems
    const source = await readFile(join(dir, 'kshram.c'), 'utf8');
    const lineNumber = source.split('\n').indexOf(TARGET_LINE) + 1;
    expect(lineNumber).toBeGreaterThan(0);
    await lines.click();
    await goToLine(page, lineNumber);
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type(` + ${BROKEN}`);
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid=build-toast][data-ok=false]').waitFor({ timeout: BUILD_MS });
    const problem = page.getByTestId('problem').filter({ hasText: BROKEN }).first();
    await expect(problem.innerText()).resolves.toMatch(new RegExp(`kshram\\.c:${lineNumber}:${'\t\treturn -EINVAL + '.length + 1}\\b`));
    const squiggle = page.locator('[data-testid=editor] .squiggly-error').first();
    await squiggle.waitFor({ timeout: UI_MS });
    expect(Math.abs((await leftOf(squiggle)) - (await textLeft(page, BROKEN)))).toBeLessThanOrEqual(PIXEL_SLACK);
    await shot(page, 'tab-marker');
    await lines.click(); // the cursor elsewhere first
    await page.keyboard.press('Control+Home');
    await problem.click();
    const cursor = page.locator('[data-testid=editor] .cursors-layer .cursor').first();
    // Monaco draws the moved cursor on a later frame: look until it is there (or never comes)
    await expect.poll(async () => Math.abs((await leftOf(cursor)) - (await textLeft(page, BROKEN))), { timeout: UI_MS }).toBeLessThanOrEqual(PIXEL_SLACK);
    await shot(page, 'tab-problem-cursor');

    // fix it without saving, then Ctrl+S with the focus in the terminal: saved, built, and the toast says so
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('return -EINVAL;');
    await page.getByTestId('tab-terminal').click();
    await page.getByTestId('terminal').click();
    await page.keyboard.press('Control+s');
    await page.locator('[data-testid=build-toast][data-ok=true]').waitFor({ timeout: BUILD_MS });
    await page.locator('[data-testid=status-build][data-ok=true]').waitFor({ timeout: UI_MS });
    expect(await readFile(join(dir, 'kshram.c'), 'utf8')).toBe(await readFile(join(moduleDir, 'kshram.c'), 'utf8'));
    await shot(page, 'saved-from-terminal');

    // a double click on Boot boots (its second click does not Stop)
    await page.getByTestId('boot-button').dblclick();
    await waitForTerminal(page, /kshram:\/root# /, BOOT_MS);
    await page.locator('[data-testid=vm-state][data-phase=running]').waitFor({ timeout: BOOT_MS });

    // Ctrl+S in the running guest's terminal saves and builds, and sends no XOFF: the console keeps echoing
    await lines.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('/* saved from the terminal */');
    await page.getByTestId('terminal').click();
    await page.keyboard.press('Control+s');
    await page.keyboard.type('echo console-$((6*7))\n');
    await waitForTerminal(page, /console-42/, GUEST_MS);
    await page.locator('[data-testid=build-toast][data-ok=true]').waitFor({ timeout: BUILD_MS });
    expect(await readFile(join(dir, 'kshram.c'), 'utf8')).toContain('/* saved from the terminal */');
    await shot(page, 'ctrl-s-in-running-terminal');

    // Grade while the VM runs says it stops the VM; Cancel keeps the VM
    dialogs.accept = false;
    await page.getByTestId('grade-button').click();
    await expect.poll(() => dialogs.messages.at(-1)).toMatch(/Grade stops your running VM/);
    await page.waitForTimeout(AFTER_GUARD_MS);
    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');
    expect(await page.getByTestId('check-item').first().getAttribute('data-status')).toBe('pending');

    // accepted, with a double click: one grade, not cancelled by the second click
    dialogs.accept = true;
    const asked = dialogs.messages.length;
    await page.getByTestId('grade-button').dblclick();
    // the widest toolbar (Cancel grade) still fits a small window
    await page.getByTestId('cancel-grade-button').waitFor({ timeout: UI_MS });
    await toolbarFits(page, WIDTHS[0]!, ['cancel-grade-button', 'boot-button', 'workspace-button'], 'grading');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.locator('[data-testid=check-item][data-status=pass]').nth(7).waitFor({ timeout: GRADE_MS });
    await page.getByTestId('grade-button').waitFor({ timeout: GRADE_MS }); // the extra checks are done too
    expect(dialogs.messages.length).toBe(asked + 1);
    await expect(page.getByTestId('grade-total').innerText()).resolves.toMatch(/^100\s*\/100$/);
    const graderConsole = await terminalText(page);
    expect(graderConsole).not.toContain('kshram-lab:');
    expect(graderConsole).toMatch(/grader: extra checks beyond the 8 items of the course/);
    await shot(page, 'graded');

    // the score goes stale once the code changes, and is current again when the change is undone
    await lines.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('//edited'); // one word: one undo step
    await page.getByTestId('grade-stale').waitFor({ timeout: UI_MS });
    await shot(page, 'stale-score');
    await page.keyboard.press('Control+z');
    await page.getByTestId('grade-stale').waitFor({ state: 'detached', timeout: UI_MS });

    // switching workspace while the VM runs says it stops the VM; Cancel keeps both
    await page.getByTestId('boot-button').click();
    await page.locator('[data-testid=vm-state][data-phase=running]').waitFor({ timeout: BOOT_MS });
    await page.getByTestId('workspace-button').click();
    await page.locator('[data-testid=workspace-dialog][data-recent=listed]').waitFor({ timeout: UI_MS });
    expect(await page.locator('.recent li').allInnerTexts()).toEqual([dir]);
    dialogs.accept = false;
    await page.getByTestId('create-path').fill(join(fx.tmp, 'other'));
    await page.getByTestId('create-button').click();
    await expect.poll(() => dialogs.messages.at(-1)).toMatch(/Opening another workspace stops your running VM/);
    await page.getByTestId('workspace-dialog').getByLabel('Close').click();
    dialogs.accept = true;
    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');

    // a double click on Stop stops (its second click does not boot again)
    await page.waitForTimeout(AFTER_GUARD_MS);
    await page.getByTestId('stop-button').dblclick();
    await page.locator('[data-testid=vm-state][data-phase=stopped]').waitFor({ timeout: UI_MS });
    await page.waitForTimeout(AFTER_GUARD_MS);
    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('stopped');
    await shot(page, 'stopped');

    // two quick clicks on Grade (the second lands on Cancel while the grade starts): the grade goes on
    const before = dialogs.messages.length;
    await page.evaluate((gapMs) => {
      const { document } = globalThis as unknown as { document: { querySelector(s: string): { click(): void } | null } };
      document.querySelector('[data-testid=grade-button]')!.click();
      setTimeout(() => document.querySelector('[data-testid=grade-button],[data-testid=cancel-grade-button]')!.click(), gapMs);
    }, QUICK_SECOND_CLICK_MS);
    await page.getByTestId('cancel-grade-button').waitFor({ timeout: UI_MS });
    await page.waitForTimeout(AFTER_GUARD_MS);
    expect(await page.getByTestId('cancel-grade-button').isVisible()).toBe(true);
    expect(dialogs.messages.length).toBe(before); // no VM to stop: nothing to ask
    // a deliberate Cancel, later, cancels
    await page.getByTestId('cancel-grade-button').click();
    await page.getByTestId('grade-panel').getByText('Grading was cancelled.').waitFor({ timeout: BOOT_MS });
    await shot(page, 'grade-cancelled');
  }
});
