import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findClangd } from '../app/lsp/clangd.js';
import { projectRoot } from '../app/paths.js';
import { CLANGD_MS, clickWord, completeKzal, createStarter, editorLines, orScreenshot, suggestRow, typeAtEnd, UI_MS, waitForClangd, waitForClangdErrors } from './clangd-ui.js';
import { e2eFixture, openPage, screenshot, startWebMode, VIEWPORT } from './harness.js';

/** A student's helper calling kshram_open twice: with the definition and the fops entry, four references. */
const CALLS_OPEN_TWICE = 'static int kshram_twice(struct inode *i, struct file *f) { return kshram_open(i, f) + kshram_open(i, f); }';
/** A misspelt name clang knows a fix for ("did you mean 'kshram_slots'?"). */
const TYPO = 'static size_t kshram_typo(void) { return sizeof(kshram_slotz); }';
/** Indented with spaces, every line wrong; kernel style is tabs, one per level, and spaces around operators. */
const BADLY_INDENTED = ['static int kshram_ugly(int x)', '{', '    if (x)', '  return x+1;', '        return 0;', '}'];
const KERNEL_STYLE = 'static int kshram_ugly(int x)\n{\n\tif (x)\n\t\treturn x + 1;\n\treturn 0;\n}';
/** Functions of the starter's kshram.c the outline must list, and the one the student adds. */
const STARTER_FUNCTIONS = ['kshram_open', 'kshram_release', 'kshram_ioctl', 'kshram_mmap', 'kshram_proc_show', 'kshram_init', 'kshram_exit'];
/** A laptop's screen and a small one (an old projector's): the suggest list must show kzalloc whole on both. */
const SCREENS = [VIEWPORT, { width: 1024, height: 768 }];

const peek = (page: Page) => page.locator('.peekview-widget:visible');
const quickInput = (page: Page) => page.locator('.quick-input-widget:visible');

/** The editor's cursor line, as its line-number gutter shows it. */
const cursorLine = (page: Page): Promise<string> => page.locator('[data-testid=editor] .active-line-number').first().innerText();

describe.skipIf(!(await findClangd()))("clangd's navigation, quick fixes and formatting, in Chromium over web mode", () => {
  const fx = e2eFixture('kshram-e2e-clangd-features-');
  let page: Page;
  let errors: string[];
  let kshramC: string;

  beforeAll(async () => {
    fx.web = await startWebMode([]);
    ({ page, errors } = await openPage(fx.browser, fx.web.url));
    const dir = join(fx.tmp, 'lab05');
    kshramC = join(dir, 'kshram.c');
    await createStarter(page, dir);
    await waitForClangd(page, 'debian-6.1');
    await waitForClangdErrors(page, 0);
    await typeAtEnd(page, [CALLS_OPEN_TWICE]);
    // valid C: clangd has parsed the new text once it reports no error again
    await waitForClangdErrors(page, 0);
  }, 180_000);

  it("references (Shift+F12) of a function list every line that uses it", { timeout: 120_000 }, async () => {
    await clickWord(page, 'kshram_open(struct');
    await page.keyboard.press('Shift+F12');
    const rows = peek(page).locator('.monaco-list-row');
    await orScreenshot(page, 'clangd-failed-references', expect.poll(() => rows.count(), { timeout: CLANGD_MS }).toBe(4));
    const texts = await rows.allInnerTexts();
    expect(texts.filter((t) => /static int kshram_open\(struct inode/.test(t)), texts.join(' / ')).toHaveLength(1);
    expect(texts.filter((t) => /open\s*=\s*kshram_open,/.test(t)), texts.join(' / ')).toHaveLength(1);
    expect(texts.filter((t) => /kshram_open\(i, f\)/.test(t)), texts.join(' / ')).toHaveLength(2);
    await screenshot(page, 'clangd-10-references');
    await page.keyboard.press('Escape');
    await peek(page).waitFor({ state: 'detached', timeout: UI_MS });
  });

  it("the outline (Ctrl+Shift+O) lists kshram's functions, the student's too, and goes to one", { timeout: 120_000 }, async () => {
    await editorLines(page).click();
    await page.keyboard.press('Control+Shift+o');
    const input = quickInput(page).locator('input');
    await input.waitFor({ timeout: UI_MS });
    for (const name of [...STARTER_FUNCTIONS, 'kshram_twice']) {
      await input.fill(`@${name}`);
      // (a row reads name then kind: "kshram_opensymbols (1)")
      const row = quickInput(page).locator('.monaco-list-row').getByText(name, { exact: true }).first();
      await orScreenshot(page, 'clangd-failed-outline', row.waitFor({ timeout: CLANGD_MS }));
    }
    await input.fill('@kshram_mmap');
    await quickInput(page).locator('.monaco-list-row').getByText('kshram_mmap', { exact: true }).first().waitFor({ timeout: UI_MS });
    await screenshot(page, 'clangd-11-outline');
    await page.keyboard.press('Enter');
    const starter = await readFile(join(projectRoot, 'resources', 'templates', 'starter', 'kshram.c'), 'utf8');
    const mmapLine = starter.split('\n').findIndex((l) => l.startsWith('static int kshram_mmap(')) + 1;
    await expect.poll(() => cursorLine(page), { timeout: UI_MS }).toBe(String(mmapLine));
  });

  // after the references and outline tests, as a student goes on typing once they have looked around: here the insert's
  // changes (Monaco sends one per character) once reached clangd out of order, and it kept an older text (stale errors,
  // "No suggestions") until the next edit
  it("completion shows kzalloc's whole parameter list and return type, on a laptop's screen and a small one, and inserts placeholders", { timeout: 180_000 }, async () => {
    await typeAtEnd(page, ['static void *kshram_zeroed(void) { return kzal']);
    // clangd's errors are of this text: 'kzal' undeclared, no ';' after it, no '}' at the end
    await orScreenshot(page, 'clangd-failed-completion-stale-errors', waitForClangdErrors(page, 3));
    for (const screen of SCREENS) {
      await page.setViewportSize(screen);
      await completeKzal(page);
      // a hovered row makes room for its read-more arrow by cutting its return type: the mouse is elsewhere, as while typing
      await page.mouse.move(0, 0);
      const whole = { name: 'kzalloc', parameters: '(size_t size, gfp_t flags)', returnType: 'void *', cut: [] };
      await orScreenshot(page, `clangd-failed-completion-${screen.width}`, expect.poll(() => suggestRow(page, 'kzalloc'), { timeout: UI_MS }).toEqual(whole));
      // a longer one in the same list: the list grows to fit it
      await expect(suggestRow(page, 'devm_kzalloc')).resolves.toEqual({ name: 'devm_kzalloc', parameters: '(struct device *dev, size_t size, gfp_t gfp)', returnType: 'void *', cut: [] });
      await screenshot(page, `clangd-16-completion-${screen.width}x${screen.height}`);
    }
    // the details pane (Ctrl+Space again) declares it whole, above the kernel-doc
    await page.keyboard.press('Control+Space');
    const details = page.locator('.suggest-details:visible');
    await orScreenshot(page, 'clangd-failed-completion-details', details.locator('.header', { hasText: 'void *kzalloc(size_t size, gfp_t flags)' }).waitFor({ timeout: UI_MS }));
    await details.getByText(/allocate memory/).first().waitFor({ timeout: UI_MS });
    await screenshot(page, 'clangd-17-completion-details');
    await page.keyboard.press('Control+Space'); // closed again: Monaco remembers the pane for the next list
    await page.setViewportSize(VIEWPORT);
    // accepted, it is still a snippet: the parameters are placeholders, Tab goes from one to the next
    await page.keyboard.press('Enter');
    await editorLines(page).getByText(/return\skzalloc\(size_t\ssize,\sgfp_t\sflags\)/).waitFor({ timeout: UI_MS });
    // (not the arguments of the signature help's test below: each finds its own line)
    await page.keyboard.type('128');
    await page.keyboard.press('Tab');
    await page.keyboard.type('GFP_ATOMIC');
    await page.keyboard.press('Escape');
    await page.keyboard.press('End');
    await page.keyboard.insertText('; }');
    await editorLines(page).getByText(/return\skzalloc\(128,\sGFP_ATOMIC\);\s}/).waitFor({ timeout: UI_MS });
    await orScreenshot(page, 'clangd-failed-completion-accepted', waitForClangdErrors(page, 0));
  });

  it("signature help follows the arguments as they are typed", { timeout: 120_000 }, async () => {
    await typeAtEnd(page, ['static void *kshram_sig(void) { return kzalloc']);
    await page.keyboard.type('('); // "(" asks for the signature
    const hints = page.locator('.parameter-hints-widget:visible');
    await orScreenshot(page, 'clangd-failed-signature', hints.filter({ hasText: /kzalloc\(size_t size, gfp_t flags\)/ }).waitFor({ timeout: CLANGD_MS }));
    // each active parameter is clangd's answer to a new request: its time, not the UI's
    await expect.poll(() => hints.locator('.parameter.active').innerText(), { timeout: CLANGD_MS }).toBe('size_t size');
    await page.keyboard.type('64, ');
    await expect.poll(() => hints.locator('.parameter.active').innerText(), { timeout: CLANGD_MS }).toBe('gfp_t flags');
    await screenshot(page, 'clangd-15-signature-help');
    await page.keyboard.press('Escape');
    // the line as a whole: whether the editor closed the parenthesis as "(" was typed varied under load
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.insertText('static void *kshram_sig(void) { return kzalloc(64, GFP_KERNEL); }');
    await editorLines(page).getByText(/return\skzalloc\(64,\sGFP_KERNEL\);\s}/).waitFor({ timeout: UI_MS });
    await waitForClangdErrors(page, 0);
  });

  it("peek definition (Alt+F12) shows the kit's header inline, read-only, without opening a tab", { timeout: 120_000 }, async () => {
    await clickWord(page, 'remove_proc_entry(');
    await page.keyboard.press('Alt+F12');
    await orScreenshot(page, 'clangd-failed-peek', peek(page).locator('.peekview-title', { hasText: 'proc_fs.h' }).waitFor({ timeout: CLANGD_MS }));
    await expect(peek(page).locator('.peekview-title').innerText()).resolves.toMatch(/kits\/debian-6\.1\/root\/usr\/src\/linux-headers-6\.1[^/]*\/include\/linux/);
    const declaration = peek(page).locator('.preview .view-line', { hasText: /extern\svoid\sremove_proc_entry\(const\schar\s\*,/ });
    await declaration.waitFor({ timeout: UI_MS });
    await expect(page.getByTestId('header-tab').count()).resolves.toBe(0);
    // typing into the header in the peek changes nothing and says why
    await declaration.click();
    await page.keyboard.type('x');
    await page.getByText("This is one of the kit's headers: read-only.").first().waitFor({ timeout: UI_MS });
    await expect(declaration.innerText()).resolves.toMatch(/^extern\svoid\sremove_proc_entry\(const\schar\s\*,\sstruct\sproc_dir_entry\s\*\);$/);
    await screenshot(page, 'clangd-12-peek-definition');
    await page.keyboard.press('Escape');
    await peek(page).waitFor({ state: 'detached', timeout: UI_MS });
  });

  it('F12 opens the peeked header in a read-only tab; closed, F12 opens it again', { timeout: 120_000 }, async () => {
    const tab = page.locator('[data-testid=header-tab][data-label="include/linux/proc_fs.h"]');
    for (const round of [1, 2]) {
      await page.getByTestId('tab-kshram.c').click();
      await clickWord(page, 'remove_proc_entry(');
      await page.keyboard.press('F12');
      await orScreenshot(page, `clangd-failed-f12-round-${round}`, page.locator('[data-testid=header-tab][aria-selected=true][data-label="include/linux/proc_fs.h"]').waitFor({ timeout: CLANGD_MS }));
      await editorLines(page).getByText(/extern\svoid\sremove_proc_entry\(const\schar\s\*,/).waitFor({ timeout: UI_MS });
      await tab.getByRole('button', { name: 'close include/linux/proc_fs.h' }).click();
      await tab.waitFor({ state: 'detached', timeout: UI_MS });
    }
    await editorLines(page).getByText('SPDX-License-Identifier').or(editorLines(page).getByText(/remove_proc_entry\("kshram"/)).first().waitFor({ timeout: UI_MS });
  });

  // after the test above showed a header in the editor: quick fixes must come back with kshram.c
  it("a quick fix (Ctrl+.) from clangd applies its edit, also after a kit header was shown", { timeout: 180_000 }, async () => {
    await typeAtEnd(page, [TYPO]);
    await waitForClangdErrors(page, 1);
    await clickWord(page, 'kshram_slotz');
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: "change 'kshram_slotz' to 'kshram_slots'" });
    // clangd's code actions: its time, not the UI's
    await orScreenshot(page, 'clangd-failed-quick-fix', fix.waitFor({ timeout: CLANGD_MS }));
    await screenshot(page, 'clangd-13-quick-fix');
    await fix.click();
    await editorLines(page).getByText(/return\ssizeof\(kshram_slots\);/).waitFor({ timeout: UI_MS });
    await waitForClangdErrors(page, 0);
  });

  it("Format Document (Shift+Alt+F) indents kshram.c in kernel style with the kernel's .clang-format", { timeout: 120_000 }, async () => {
    await typeAtEnd(page, BADLY_INDENTED);
    await page.keyboard.press('Shift+Alt+f');
    await orScreenshot(page, 'clangd-failed-format', editorLines(page).getByText(/return\sx\s\+\s1;/).waitFor({ timeout: UI_MS }));
    await screenshot(page, 'clangd-14-formatted');
    // what is on disk after saving is the kernel's style: tabs, not the spaces typed
    await page.keyboard.press('Control+s');
    await expect.poll(() => readFile(kshramC, 'utf8'), { timeout: UI_MS }).toContain(KERNEL_STYLE);
    expect(errors).toEqual([]);
  });
});
