/**
 * How the clangd e2e tests drive the editor as a student would: create the
 * starter workspace, type at the end of kshram.c, put the cursor on a word,
 * wait for clangd. Every wait is on something the UI shows (data-*
 * attributes, Monaco's widgets), never a fixed sleep.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './harness.js';

/** clangd starts, parses the kit's headers and indexes them in a few seconds; on a loaded machine, more. */
export const CLANGD_MS = 90_000;
export const BUILD_MS = 60_000;
export const UI_MS = 15_000;

export const editorLines = (page: Page) => page.locator('[data-testid=editor] .view-lines');

export async function createStarter(page: Page, dir: string): Promise<void> {
  await page.getByTestId('workspace-dialog').waitFor({ timeout: UI_MS });
  await page.getByTestId('create-path').fill(dir);
  await page.getByTestId('template-starter').click();
  await page.getByTestId('create-button').click();
  await page.getByTestId('workspace-dialog').waitFor({ state: 'detached', timeout: UI_MS });
  await editorLines(page).getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });
}

/** (Monaco draws spaces as no-break spaces: the patterns below use \s.) Puts the cursor at the end of kshram.c and inserts lines there as one input (no auto-indent or auto-closing in between). */
export async function typeAtEnd(page: Page, lines: string[]): Promise<void> {
  await editorLines(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(`\n${lines.join('\n')}`);
  // back from the long lines' horizontal scroll, to the end of the last one
  await page.keyboard.press('Home');
  await page.keyboard.press('End');
}

/** Places the cursor inside the first occurrence of `word` after the cursor (the editor scrolls it into view first). */
export async function clickWord(page: Page, word: string): Promise<void> {
  await editorLines(page).click();
  await page.mouse.move(0, 0); // no mouse hover in the way of the keyboard's
  await page.keyboard.press('Control+f');
  // typed into the find widget's own field once it is there: keys sent before it has focus land in kshram.c
  const find = page.locator('[data-testid=editor] .find-widget.visible textarea').first();
  await find.waitFor({ timeout: UI_MS });
  await find.fill(word);
  await find.press('Enter');
  await find.press('Escape');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
}

export async function waitForClangd(page: Page, kit: string): Promise<void> {
  await page.locator(`[data-testid=lsp-status][data-state=running][data-kit="${kit}"]`).waitFor({ timeout: CLANGD_MS });
}

/** Waits until clangd's badge counts `errors` errors (it counts after the build's lines are taken out). */
export async function waitForClangdErrors(page: Page, errors: number, timeoutMs = CLANGD_MS): Promise<void> {
  await page.locator(`[data-testid=lsp-status][data-errors="${errors}"]`).waitFor({ timeout: timeoutMs });
}

/** Asks for completion (Ctrl+Space) until kzalloc is offered: clangd answers once it has read the headers. */
export async function completeKzal(page: Page): Promise<void> {
  // clangd's item: a function with its parameters, or on 6.12 the macro kzalloc(...) became (not a word from the comments)
  const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: /kzalloc\s*\((size_t|\.\.\.)/ }).first();
  const started = Date.now();
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Space');
    try {
      await suggestion.waitFor({ timeout: 20_000 });
      return;
    } catch (err) {
      if (Date.now() - started > CLANGD_MS) {
        await screenshot(page, 'clangd-failed-completion');
        throw err;
      }
    }
  }
}

/** What one row of Monaco's suggest list shows: its name, parameters and return type, and which of them it cuts short (an ellipsis). */
export interface SuggestRow {
  name: string;
  parameters: string;
  returnType: string;
  cut: string[];
}

/** The little of the DOM `suggestRow` reads in the page (this side is typechecked without the DOM). */
interface RowElement {
  querySelector(selector: string): { textContent: string | null; scrollWidth: number; clientWidth: number; getClientRects(): ArrayLike<unknown> } | null;
}

/** Reads the suggest list's row for `name` (its label exactly) from the DOM, with what is cut: text wider than its box, or not drawn at all. */
export async function suggestRow(page: Page, name: string): Promise<SuggestRow> {
  const row = page.locator('.suggest-widget .monaco-list-row').filter({ has: page.locator('.monaco-icon-label').getByText(name, { exact: true }) }).first();
  await row.waitFor({ timeout: UI_MS });
  return row.evaluate((element) => {
    const el = element as unknown as RowElement;
    const parts = { name: '.monaco-icon-label', parameters: '.signature-label', returnType: '.details-label' } as const;
    const out = { name: '', parameters: '', returnType: '', cut: [] as string[] };
    for (const [key, selector] of Object.entries(parts) as Array<[keyof typeof parts, string]>) {
      const part = el.querySelector(selector);
      out[key] = part?.textContent ?? '';
      if (part && out[key] && (part.scrollWidth > part.clientWidth || part.getClientRects().length === 0)) out.cut.push(key);
    }
    return out;
  });
}

/** Runs `step`, and on failure keeps a screenshot named `name` before failing. */
export async function orScreenshot<T>(page: Page, name: string, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    await screenshot(page, name);
    throw err;
  }
}
