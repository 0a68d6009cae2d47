/**
 * The workbench's Submit in Chromium (web mode) against a real
 * `kshram-lab serve`: without a service it says what it needs; the
 * address and token are checked and kept in a file only the user can
 * read; Submit builds, uploads and shows the service's run in the Grade
 * pane, marked as the service's, 100/100; the history is one click away.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eFixture, screenshot, startWebMode } from './harness.js';
import { GRADE_MS, SMALL_SCREEN, startServe, watchConsole, type ServeProcess } from './service-harness.js';

/** Web mode starts and opens the workspace; clangd may start beside it on a busy host. */
const WEB_START_MS = 90_000;
const UI_MS = 20_000;
/** Checking a token asks the service twice over loopback. */
const CHECK_MS = 30_000;
/** The refusal the test asks for (a wrong token) is the page's only complaint. */
const ASKED_REFUSAL = /UNAUTHORIZED|401/;

describe('Submit in the workbench, to a real kshram-lab serve', () => {
  const fixture = e2eFixture('kshram-e2e-submit-');
  let serve: ServeProcess;
  let carol: string;
  let page: Page;
  let problems: string[];
  const state = (): string => join(fixture.tmp, 'state');

  beforeAll(async () => {
    serve = await startServe(join(fixture.tmp, 'data'));
    carol = await serve.token('carol');
    fixture.web = await startWebMode([join(fixture.tmp, 'lab'), '--template', 'reference'], { KSHRAM_LAB_STATE: state() });
    page = await fixture.browser.newPage({ viewport: SMALL_SCREEN });
    problems = watchConsole(page);
    await page.goto(fixture.web.url);
    await page.waitForSelector('[data-testid=submit-button]:not([disabled])', { timeout: WEB_START_MS });
  }, WEB_START_MS * 2);
  afterAll(async () => {
    await page?.close();
    await serve?.stop();
  });

  it('says what Submit needs while no service is set up, and checks the token before keeping it', async () => {
    await page.click('[data-testid=grade-source-service]');
    expect(await page.textContent('[data-testid=submit-needs]')).toContain('its address and your token');
    await page.click('[data-testid=submit-button]');
    const dialog = page.locator('[data-testid=submit-settings]');
    await dialog.waitFor({ timeout: UI_MS });
    expect(await dialog.textContent()).toContain('It needs the service’s address and the token your TA gave you');

    await page.keyboard.type(serve.url);
    await page.keyboard.press('Tab');
    await page.keyboard.type('kshram_someone-elses');
    await page.keyboard.press('Enter');
    expect(await page.textContent('[data-testid=submit-settings-error]', { timeout: CHECK_MS })).toMatch(/not known|token/i);
    await expect(stat(join(state(), 'service.json'))).rejects.toThrow();

    await page.fill('[data-testid=submit-token]', carol);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached', timeout: CHECK_MS });
    const file = await stat(join(state(), 'service.json'));
    expect(file.mode & 0o777).toBe(0o600);
  });

  it('builds, uploads and shows the service’s run in the Grade pane, marked as the service’s: 100/100', async () => {
    await page.click('[data-testid=submit-button]');
    const mark = page.locator('[data-testid=service-mark]');
    expect(await mark.textContent({ timeout: UI_MS })).toBe(`graded by the course service at ${serve.url.replace('http://', '')} as carol`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document.querySelectorAll('[data-testid=check-item][data-status=pass]').length >= 2, null, { timeout: GRADE_MS });
    await page.waitForFunction(() => /TCG|KVM/.test((globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.grade-panel .panel-head')?.textContent ?? ''), null, { timeout: GRADE_MS });
    expect(await page.textContent('[data-testid=grade-total]')).toBe('100/100');
    expect(await page.getAttribute('[data-testid=grade-source-service]', 'aria-selected')).toBe('true');
    const link = await page.getAttribute('[data-testid=service-link]', 'href');
    expect(link).toMatch(new RegExp(`^${serve.url}/s/[a-z0-9]{16}$`));

    // the service has it too, as carol's
    const [stored] = await serve.api(carol).history();
    expect(stored).toMatchObject({ id: link!.split('/').pop(), state: 'graded', total: 100, fileName: 'kshram.tar.gz' });
    await screenshot(page, 'service-workbench-submit');
  });

  it('has the history one click away', async () => {
    await page.click('[data-testid=service-history-button]');
    const entry = page.locator('[data-testid=service-history-entry]');
    await entry.first().waitFor({ timeout: UI_MS });
    expect(await entry.count()).toBe(1);
    expect(await entry.first().textContent()).toContain('kshram.tar.gz 100/100');
    await page.click('[data-testid=grade-source-local]');
    expect(await page.isVisible('[data-testid=service-mark]')).toBe(false);
    expect(problems.filter((p) => !ASKED_REFUSAL.test(p))).toEqual([]);
  });
});
