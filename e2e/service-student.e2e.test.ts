/**
 * The course service's student page in Chromium against a real
 * `kshram-lab serve` (private Redis, one worker, QEMU): sign in, upload
 * the reference by keyboard, wait in the queue and see 100/100 live, drop a crashing module
 * and see its item and line, the history with both, compare, the
 * permanent link, the refusals (which take the earlier result off the
 * page), sign out. At 1024×768, no console errors but the refusals the
 * test asks for, the token never in a URL. The serve runs with the
 * service's own rate limit, so the screenshots (docs/service-student.png
 * is the mid-run one) say what a real deployment says.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kitsDir, projectRoot } from '../app/paths.js';
import { DEFAULT_RATE_LIMIT } from '../app/service/service.js';
import { e2eFixture, screenshot, waitForMidGrade } from './harness.js';
import { attributes, crashingSource, expectNoHorizontalScroll, referenceSource, GRADE_MS, screenshotBothSizes, signIn, SMALL_SCREEN, startServe, watchConsole, type ServeProcess } from './service-harness.js';

const TOKEN_KEY = 'kshram-lab:service-token';
/** A kit whose kernel is not the service's (debian-6.1): a .ko built there is refused by name. */
const OTHER_KIT = 'debian-6.12';
const run = promisify(execFile);
/** What the UI itself takes: a click's answer, a page load. */
const UI_MS = 20_000;
/** Chromium logs a refused request as a console error; only the refusals this test asks for may appear. */
const ASKED_REFUSAL = /Failed to load resource: the server responded with a status of (401|422|429)/;
/** The service's own limit (20 an hour), as a deployment has it: alice's two, 18 more, and the next refused. */
const RATE_LIMIT = DEFAULT_RATE_LIMIT.submissions;

interface PageDocument {
  querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
}

/** The run on the page has its final score (the header names the kit once it is done). */
async function waitForResult(page: Page): Promise<string> {
  await page.waitForFunction(
    () => {
      const d = (globalThis as unknown as { document: PageDocument }).document;
      const items = Array.from(d.querySelectorAll('[data-testid=check-item]'));
      return items.length === 8 && items.every((i) => ['pass', 'fail', 'not-run'].includes(i.getAttribute('data-status') ?? '')) && /TCG|KVM/.test(d.querySelector('.grade-panel .panel-head')?.textContent ?? '');
    },
    null,
    { timeout: GRADE_MS },
  );
  return (await page.textContent('[data-testid=grade-total]')) ?? '';
}

/** After a refusal: no run on the page to be read as the refused file's, the history one click away. */
async function expectNoResultShown(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=welcome]', { timeout: UI_MS });
  expect(new URL(page.url()).pathname).toBe('/');
  for (const part of ['submission-head', 'grade-total', 'check-item', 'crash', 'console']) expect(await page.locator(`[data-testid=${part}]`).count(), part).toBe(0);
  expect(await page.textContent('[data-testid=refused-note]')).toContain('Nothing was graded for the refused file');
}

/** Presses Tab until `selector` has the focus (a keyboard user's way there), at most `max` times. */
async function tabTo(page: Page, selector: string, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => (globalThis as unknown as { document: { activeElement: unknown; querySelector(s: string): unknown } }).document.activeElement === (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(s), selector)) return;
  }
  throw new Error(`${selector} never got the focus from the keyboard`);
}

describe('the student page on a real kshram-lab serve', () => {
  const fixture = e2eFixture('kshram-e2e-student-page-');
  let serve: ServeProcess;
  let alice: string;
  let bob: string;
  let page: Page;
  let problems: string[];
  const urls: string[] = [];
  const framesSent: string[] = [];
  const submissions: string[] = [];

  beforeAll(async () => {
    serve = await startServe(join(fixture.tmp, 'data'));
    alice = await serve.token('alice');
    bob = await serve.token('bob');
    page = await fixture.browser.newPage({ viewport: SMALL_SCREEN });
    problems = watchConsole(page);
    page.on('request', (request) => urls.push(request.url()));
    page.on('websocket', (socket) => socket.on('framesent', (frame) => framesSent.push(String(frame.payload))));
  });
  afterAll(async () => {
    await page?.close();
    await serve?.stop();
  });

  it('signs in with the token, refusing a wrong one in words, and keeps it in the browser', async () => {
    await page.goto(`${serve.url}/`);
    await page.waitForSelector('[data-testid=token-input]', { timeout: UI_MS });
    await page.keyboard.type('kshram_not-a-token-of-this-course');
    await page.keyboard.press('Enter');
    const refused = page.locator('[data-testid=sign-in-error]');
    await refused.waitFor({ timeout: UI_MS });
    expect(await refused.textContent()).toContain('This token is not one the course service knows');

    await page.fill('[data-testid=token-input]', '');
    await signIn(page, alice);
    expect(await page.textContent('[data-testid=who]')).toContain('alice');
    expect(await page.evaluate((key) => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(key), TOKEN_KEY)).toBe(alice);
    await page.reload();
    await page.waitForSelector('[data-testid=who]', { timeout: UI_MS });
    await expectNoHorizontalScroll(page);
  });

  it('uploads the reference source with the keyboard and shows the run live: its place in the queue, the checklist ticking, the console, 100/100', async () => {
    // another student's grade holds the one worker: this upload waits its turn
    await serve.api(bob).submit(new Blob([await referenceSource()]), 'kshram.c');
    const chooser = page.waitForEvent('filechooser', { timeout: UI_MS });
    await tabTo(page, '[data-testid=choose-file]');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(join(projectRoot, 'module', 'kshram.c'));

    await page.waitForURL(/\/s\/[a-z0-9]{16}$/, { timeout: UI_MS });
    submissions.push(page.url().split('/').pop()!);
    // the head shows … until the submission's view arrives
    await page.locator('[data-testid=submission-head] .file-name', { hasText: 'kshram.c' }).waitFor({ timeout: UI_MS });
    expect(await page.textContent('[data-testid=drop-zone]')).toContain(`${RATE_LIMIT} submissions per hour`);
    expect(await page.textContent('[data-testid=queue-position]', { timeout: UI_MS })).toMatch(/^waiting in the queue: (next in line|1 submission ahead of yours)$/);

    await waitForMidGrade(page, 3, GRADE_MS);
    expect(await page.textContent('.grade-panel .panel-head')).toContain('course service');
    await page.waitForFunction(() => /grader: item \d/.test((globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid=console] .xterm-rows')?.textContent ?? ''), null, { timeout: GRADE_MS });
    await screenshotBothSizes(page, 'service-student-midrun');

    expect(await waitForResult(page)).toBe('100/100');
    await expectNoHorizontalScroll(page);
  });

  it('shows a crashing module’s failed item and the line of its source, dropped on the page', async () => {
    const crash = await crashingSource();
    const dataTransfer = await page.evaluateHandle((text) => {
      const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: string[], name: string, options: { type: string }) => unknown };
      const transfer = new g.DataTransfer();
      transfer.items.add(new g.File([text], 'kshram.c', { type: 'text/x-csrc' }));
      return transfer;
    }, crash.source);
    await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
    await page.waitForURL((url) => /\/s\/[a-z0-9]{16}$/.test(url.pathname) && !url.pathname.endsWith(submissions[0]!), { timeout: UI_MS });
    submissions.push(page.url().split('/').pop()!);

    const total = await waitForResult(page);
    expect(total).not.toBe('100/100');
    const card = page.locator('[data-testid=crash]');
    expect(await card.textContent()).toContain(`during item ${crash.item}`);
    expect(await page.textContent('[data-testid=crash-line]')).toContain(`kshram.c:${crash.line} in kshram_mmap`);
    const statuses = await attributes(page.locator('[data-testid=check-item]'), 'data-status');
    expect(statuses).toEqual(['pass', 'pass', 'pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run']);
    await screenshotBothSizes(page, 'service-student-crash');
  });

  it('lists both submissions newest first, compares them, and opens one by its permanent link', async () => {
    const rows = page.locator('[data-testid=history-row]');
    await page.waitForFunction((n) => (globalThis as unknown as { document: PageDocument }).document.querySelectorAll('[data-testid=history-row]').length === n, 2, { timeout: UI_MS });
    expect(await attributes(rows, 'data-id')).toEqual([submissions[1], submissions[0]]);
    await page.waitForFunction(() => !/waiting|grading/.test((globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid=history]')?.textContent ?? ''), null, { timeout: UI_MS });
    expect(await rows.nth(0).textContent()).toContain('5. Reload kshram; check_msg passes');
    expect(await rows.nth(1).textContent()).toContain('100/100');

    // tick both with the keyboard, then compare
    for (const n of [0, 1]) {
      await rows.nth(n).locator('input[type=checkbox]').focus();
      await page.keyboard.press('Space');
    }
    await page.click('[data-testid=compare-button]');
    expect(await page.locator('[data-testid=compare-summary]').textContent({ timeout: UI_MS })).toBe('4 items changed: 5, 6, 7, 8.');

    const link = await rows.nth(1).locator('a').getAttribute('href');
    expect(link).toBe(`/s/${submissions[0]}`);
    await page.goto(`${serve.url}${link}`);
    expect(await waitForResult(page)).toBe('100/100');
    expect(await page.getAttribute('[data-testid=permalink]', 'href')).toBe(`${serve.url}/s/${submissions[0]}`);
  });

  it('refuses what it cannot grade in words, with what to do, and shows no earlier result as its own', async () => {
    // the first submission's 100/100 is on the page (its permanent link, above)
    await page.setInputFiles('[data-testid=file-input]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('my notes') });
    const error = page.locator('[data-testid=upload-error]');
    expect(await error.textContent({ timeout: UI_MS })).toContain('“notes.txt” is not something the grader can take.');
    expect(await error.textContent()).toContain('Upload your kshram.ko');
    await expectNoResultShown(page);

    // refused by the service this time, after the earlier result was opened again from the history
    const rows = page.locator('[data-testid=history-row]');
    await rows.nth(1).locator('a').click();
    expect(await waitForResult(page)).toBe('100/100');
    await page.setInputFiles('[data-testid=file-input]', { name: 'kshram.ko', mimeType: 'application/octet-stream', buffer: randomBytes(4096) });
    await page.waitForSelector('[data-testid=upload-error][data-code=MODULE_INVALID]', { timeout: UI_MS });
    expect(await error.textContent()).toContain('This file is not a kernel module');
    await expectNoResultShown(page);
    await screenshot(page, 'service-student-refused');

    await page.setInputFiles('[data-testid=file-input]', { name: 'kshram.tar.gz', mimeType: 'application/gzip', buffer: randomBytes(4096) });
    await page.waitForSelector('[data-testid=upload-error][data-code=SUBMISSION_INVALID]', { timeout: UI_MS });
    expect(await error.textContent()).toContain('The service cannot grade this file');

    // refused here, before it is sent: the same words as the service's
    await page.setInputFiles('[data-testid=file-input]', { name: 'kshram.c', mimeType: 'text/x-csrc', buffer: Buffer.alloc(9 * 1024 * 1024, 'a') });
    await page.waitForSelector('[data-testid=upload-error][data-code=TOO_LARGE]', { timeout: UI_MS });
    expect(await error.textContent()).toContain('The file is too large');
    expect(await error.textContent()).toContain('at most 8.0 MiB');
    await expectNoResultShown(page);
    expect(await rows.count()).toBe(2);
  });

  it.skipIf(!existsSync(join(kitsDir(), OTHER_KIT)))('says which kernel a .ko was built for when it is not the one graded on', async () => {
    const ko = join(fixture.tmp, 'kshram-other-kernel.ko');
    await run(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'build', join(projectRoot, 'module'), '-o', ko, '--kit', OTHER_KIT], { cwd: projectRoot });
    await page.setInputFiles('[data-testid=file-input]', ko);
    const error = page.locator('[data-testid=upload-error][data-code=MODULE_WRONG_KERNEL]');
    await error.waitFor({ timeout: UI_MS });
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('This kshram.ko was built for another kernel');
    expect(text).toMatch(/6\.12\./);
    expect(text).toMatch(/6\.1\.0-/);
    await expectNoResultShown(page);
    await screenshot(page, 'service-student-wrong-kernel');
  });

  it('says when a student who submitted too often may submit again', async () => {
    // alice's two and these up to RATE_LIMIT are accepted (each a new file: the same one again is followed, not counted); the next is refused
    const source = await referenceSource();
    for (let n = 3; n <= RATE_LIMIT; n++) await serve.api(alice).submit(new Blob([`${source}\n/* submission ${n} */\n`]), 'kshram.c');
    await page.setInputFiles('[data-testid=file-input]', { name: 'kshram.c', mimeType: 'text/x-csrc', buffer: Buffer.from(`${source}\n/* one too many */\n`) });
    const error = page.locator('[data-testid=upload-error][data-code=RATE_LIMITED]');
    await error.waitFor({ timeout: UI_MS });
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('Too many submissions in a short time');
    expect(text).toContain(`the limit is ${RATE_LIMIT}`);
    expect(text).toMatch(/Your next submission is accepted in \d/);
    await expectNoResultShown(page);
    // the history below counts what the refusal counted, also the ones sent from elsewhere
    await page.waitForFunction((n) => (globalThis as unknown as { document: PageDocument }).document.querySelectorAll('[data-testid=history-row]').length === n, RATE_LIMIT, { timeout: UI_MS });
    await screenshot(page, 'service-student-rate-limited');
  });

  it('never puts the token in a URL, sends it first on the live socket, and forgets it on sign-out', async () => {
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((u) => u.includes(alice))).toEqual([]);
    expect(framesSent[0]).toBe(JSON.stringify({ t: 'auth', token: alice }));

    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('[data-testid=token-input]', { timeout: UI_MS });
    expect(await page.evaluate((key) => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(key), TOKEN_KEY)).toBeNull();
    expect(problems.filter((p) => !ASKED_REFUSAL.test(p))).toEqual([]);
  });
});
