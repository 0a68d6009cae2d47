/**
 * The TA dashboard in Chromium against a real `kshram-lab serve`: two
 * students submit while the TA watches, their rows update live; sort,
 * filter, a student's history from the row, results.csv, a regrade, the
 * queue and the worker; a student's token is refused in words; the API
 * and the live socket keep web mode's Host and Origin rules.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CSV_COLUMNS } from '../app/grade/report-csv.js';
import { e2eFixture } from './harness.js';
import { crashingSource, expectNoHorizontalScroll, GRADE_MS, referenceSource, screenshotBothSizes, signIn, SMALL_SCREEN, startServe, watchConsole, type PageElement, type ServeProcess } from './service-harness.js';

const UI_MS = 20_000;

interface RowView {
  student: string;
  best: string;
  latest: string;
  count: string;
  firstFailure: string;
}

/** The class table as the TA sees it. */
function rows(page: Page): Promise<RowView[]> {
  return page.locator('[data-testid=class-row]').evaluateAll((trs) =>
    (trs as unknown as PageElement[]).map((tr) => {
      const cell = (id: string): string => tr.querySelector(`[data-testid=${id}]`)?.textContent?.trim() ?? '';
      return { student: tr.getAttribute('data-student') ?? '', best: cell('best'), latest: cell('latest'), count: cell('count'), firstFailure: cell('first-failure') };
    }),
  );
}

async function waitForRows(page: Page, check: (rows: RowView[]) => boolean, what: string, timeoutMs = GRADE_MS): Promise<RowView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await rows(page);
    if (check(now)) return now;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the rows: ${JSON.stringify(now)}`);
    await page.waitForTimeout(250);
  }
}

/** An HTTP request's status as any program (not the page) would send it; node:http, since fetch will not send another Host. */
function status(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether a WebSocket with these headers is let in (the upgrade answered 101). */
function socketOpens(url: string, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('the TA dashboard on a real kshram-lab serve', () => {
  const fixture = e2eFixture('kshram-e2e-dashboard-');
  let serve: ServeProcess;
  let tokens: { alice: string; bob: string; tina: string };
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    serve = await startServe(join(fixture.tmp, 'data'));
    tokens = { alice: await serve.token('alice'), bob: await serve.token('bob'), tina: await serve.token('tina', true) };
    page = await fixture.browser.newPage({ viewport: SMALL_SCREEN, acceptDownloads: true });
    problems = watchConsole(page);
  });
  afterAll(async () => {
    await page?.close();
    await serve?.stop();
  });

  it('tells a student that the dashboard needs a TA token', async () => {
    await page.goto(`${serve.url}/ta`);
    await signIn(page, tokens.alice);
    expect(await page.textContent('[role=alert]')).toContain('the class dashboard needs a TA token');
    await page.click('[data-testid=sign-out]');
  });

  it('shows both students’ rows update live as their grades finish, and the queue and the worker', async () => {
    await signIn(page, tokens.tina);
    await page.waitForSelector('[data-testid=queue-panel]', { timeout: UI_MS });
    const crash = await crashingSource();
    // the students submit from elsewhere while the TA watches: no reload
    await serve.api(tokens.alice).submit(new Blob([await referenceSource()]), 'kshram.c');
    await serve.api(tokens.bob).submit(new Blob([crash.source]), 'kshram.c');
    await waitForRows(page, (r) => r.some((row) => row.student === 'bob' && row.count === '1'), 'both students’ first rows', UI_MS);
    const done = await waitForRows(page, (r) => r.filter((row) => /^\d+$/.test(row.latest)).length === 2, 'both grades');
    const alice = done.find((r) => r.student === 'alice')!;
    const bob = done.find((r) => r.student === 'bob')!;
    expect(alice).toMatchObject({ best: '100', latest: '100', count: '1', firstFailure: 'none' });
    expect(bob.latest).not.toBe('100');
    expect(bob.firstFailure).toMatch(new RegExp(`^${crash.item}: your code: kshram\\.c:${crash.line} `));

    // the queue's own message follows the results
    await page.waitForFunction(() => /0 waiting · 0 grading/.test((globalThis as unknown as { document: { querySelector(s: string): PageElement | null } }).document.querySelector('[data-testid=queue-counts]')?.textContent ?? ''), null, { timeout: UI_MS });
    const worker = page.locator('[data-testid=worker-row]');
    expect(await worker.count()).toBe(1);
    expect(await worker.textContent()).toMatch(/alive, 1 at once\s*2/);
    await expectNoHorizontalScroll(page);
    await screenshotBothSizes(page, 'service-dashboard');
  });

  it('sorts and filters with the keyboard, and opens a student’s history from the row', async () => {
    await page.locator('[data-testid=sort-best]').focus();
    await page.keyboard.press('Enter');
    expect((await rows(page)).map((r) => r.student)).toEqual(['alice', 'bob']);
    await page.keyboard.press('Enter');
    expect((await rows(page)).map((r) => r.student)).toEqual(['bob', 'alice']);

    await page.locator('[data-testid=filter]').focus();
    await page.keyboard.type('bo');
    expect((await rows(page)).map((r) => r.student)).toEqual(['bob']);
    await page.fill('[data-testid=filter]', '');

    await page.locator('[data-testid=class-row][data-student=bob] [data-testid=history-button]').click();
    const history = page.locator('[data-testid=student-history] [data-testid=history-row]');
    await history.first().waitFor({ timeout: UI_MS });
    expect(await page.textContent('[data-testid=student-history] h2')).toBe('bob’s submissions');
    expect(await history.count()).toBe(1);
    expect(await history.first().textContent()).toContain('5. Reload kshram; check_msg passes');
  });

  it('exports results.csv with grade --report’s columns, one row per student', async () => {
    const download = page.waitForEvent('download', { timeout: UI_MS });
    await page.click('[data-testid=export-csv]');
    const file = await (await download).path();
    const lines = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const byStudent = Object.fromEntries(lines.slice(1).map((line) => [line.split(',')[0], line]));
    expect(Object.keys(byStudent).sort()).toEqual(['alice', 'bob']);
    expect(byStudent.alice).toMatch(/^alice,kshram\.c,graded,100,100,10,10,10,5,20,20,20,5,/);
    expect(byStudent.bob).toMatch(/^bob,kshram\.c,graded,35,100,10,10,10,5,0,0,0,0,/);
  });

  it('regrades one student’s latest at low priority, and the row follows it live', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('[data-testid=class-row][data-student=alice] [data-testid=regrade-button]').click();
    expect(await page.textContent('[data-testid=notice]', { timeout: UI_MS })).toContain('Queued 1 regrade at low priority (alice)');
    const after = await waitForRows(page, (r) => r.some((row) => row.student === 'alice' && row.count === '2' && row.latest === '100'), 'alice’s regrade');
    expect(after.find((r) => r.student === 'alice')!.best).toBe('100');
  });

  it('regrades everyone’s latest (after a kit update), and both rows follow', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('[data-testid=regrade-all]');
    await page.locator('[data-testid=notice]', { hasText: 'Queued 2 regrades at low priority.' }).waitFor({ timeout: UI_MS });
    const after = await waitForRows(page, (r) => r.every((row) => /^\d+$/.test(row.latest)) && r.find((row) => row.student === 'alice')?.count === '3' && r.find((row) => row.student === 'bob')?.count === '2', 'everyone’s regrade');
    expect(Object.fromEntries(after.map((r) => [r.student, r.latest]))).toEqual({ alice: '100', bob: '35' });
    expect(problems).toEqual([]);
  });

  it('keeps web mode’s rules: the token in a header or the first message, never a URL; this Host and this Origin only', async () => {
    const api = `${serve.url}/api/me`;
    const bearer = { Authorization: `Bearer ${tokens.tina}` };
    expect(await status(api, bearer)).toBe(200);
    expect(await status(api, {})).toBe(401);
    expect(await status(`${api}?token=${tokens.tina}`, {})).toBe(401);
    expect(await status(api, { ...bearer, Host: `evil.example:${new URL(serve.url).port}` })).toBe(403);
    expect(await status(api, { ...bearer, Origin: 'http://evil.example' })).toBe(403);
    expect(await status(api, { ...bearer, Origin: serve.url })).toBe(200);

    const live = `${serve.url.replace('http:', 'ws:')}/api/live`;
    expect(await socketOpens(live, { Origin: 'http://evil.example' })).toBe(false);
    expect(await socketOpens(live, { Host: `evil.example:${new URL(serve.url).port}` })).toBe(false);
    expect(await socketOpens(live, { Origin: serve.url })).toBe(true);
  });
});
