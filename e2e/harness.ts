/**
 * What the end-to-end tests stand on: `kshram-lab web` started as a user
 * would start it, and Debian's Chromium driven by playwright-core.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { moduleDir, projectRoot } from '../app/paths.js';
import { spawnOwned } from '../test/owned.js';
import { until } from '../test/until.js';

/** Debian's package; playwright's own browser download is not possible here. */
const CHROMIUM = process.env.KSHRAM_LAB_CHROMIUM ?? '/usr/bin/chromium';
/** The server prints its URL within a second or two (tsx compiles the CLI first). */
const SERVER_START_MS = 60_000;
/** SIGINT stops the VM and the server; QEMU dies at once. */
const SERVER_STOP_MS = 15_000;
/** What `kshram-lab web` prints once it listens. */
const URL_PRINTED = /http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//;
/** A window as big as a laptop screen, so screenshots show the whole workbench. */
export const VIEWPORT = { width: 1440, height: 900 };
export const resultsDir = join(projectRoot, 'test-results', 'e2e');

export interface WebMode {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `kshram-lab web ARGS` and waits for the URL it prints. The server
 * is the running test's (or, started in a hook, the file's): it is
 * stopped afterwards whatever happens, also when it printed no URL.
 */
export async function startWebMode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<WebMode> {
  // the tests run as root here (CI too): web refuses root without --allow-root
  const server = spawnOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'web', '--allow-root', ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stopSignal: 'SIGINT',
    graceMs: SERVER_STOP_MS,
  });
  try {
    const url = await until('kshram-lab web to print its URL', async () => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`kshram-lab web exited (${server.child.exitCode ?? server.child.signalCode})`);
      return URL_PRINTED.exec(server.output())?.[0];
    }, SERVER_START_MS);
    return { url, output: () => server.output(), stop: async () => void (await server.stop()) };
  } catch (err) {
    await server.stop();
    throw new Error(`${(err as Error).message}:\n${server.output()}`);
  }
}

export async function launchBrowser(): Promise<Browser> {
  await mkdir(resultsDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // as root there is no sandbox; without the network flags Chromium knocks on closed doors at start
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The confirm() and beforeunload prompts a page showed, and how the next ones are answered. */
export interface Dialogs {
  messages: string[];
  /** True (the default): accept; false: dismiss (Cancel). */
  accept: boolean;
}

/** A page that answers confirm() and beforeunload prompts (accepting them unless told otherwise), and records page errors. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[]; dialogs: Dialogs }> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors: string[] = [];
  const dialogs: Dialogs = { messages: [], accept: true };
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('dialog', (dialog) => {
    dialogs.messages.push(dialog.message());
    void (dialogs.accept ? dialog.accept() : dialog.dismiss());
  });
  await page.goto(url);
  return { page, errors, dialogs };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Monaco's widget takes a moment to open and to close; a busy host makes the moment longer. */
const GO_TO_LINE_MS = 15_000;

/**
 * Moves the editor's cursor to `line` with Ctrl+G, as a student would, and
 * waits until the cursor is there. Keys typed before Monaco's quick input
 * opens land in the source instead (a busy host opens it late): the number
 * goes into the widget's own input once it shows, never into the file.
 */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+g');
  const widget = page.locator('.quick-input-widget:visible');
  await widget.locator('input').waitFor({ timeout: GO_TO_LINE_MS });
  // typed after Monaco's ":" prefix (fill would replace it, and the widget would look for something else)
  await widget.locator('input').press('End');
  await page.keyboard.type(String(line));
  await expect.poll(() => widget.locator('input').inputValue(), { timeout: GO_TO_LINE_MS }).toBe(`:${line}`);
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: GO_TO_LINE_MS });
  await page
    .locator('[data-testid=editor] .line-numbers.active-line-number')
    .filter({ hasText: new RegExp(`^\\s*${line}\\s*$`) })
    .waitFor({ timeout: GO_TO_LINE_MS });
}

/** The terminal's visible rows as text, one line per row. */
export function terminalText(page: Page): Promise<string> {
  return page.locator('[data-testid=terminal] .xterm-rows').innerText();
}

/** The little of the DOM the in-page checks use (this side is typechecked without the DOM). */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface PageDocument {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
/** Waits until the terminal shows text matching `pattern` (checked in the page: the CSP forbids eval). */
export async function waitForTerminal(page: Page, pattern: RegExp, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    ({ source, flags }) => new RegExp(source, flags).test((globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid=terminal] .xterm-rows')?.textContent ?? ''),
    { source: pattern.source, flags: pattern.flags },
    { timeout: timeoutMs },
  );
}

/** Waits until the checklist shows a grade in progress: some items passed, one running. */
export async function waitForMidGrade(page: Page, minPassed: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (min) => {
      const items = [...(globalThis as unknown as { document: PageDocument }).document.querySelectorAll('[data-testid=check-item]')];
      const passed = items.filter((i) => i.getAttribute('data-status') === 'pass').length;
      return passed >= min && passed < items.length && items.some((i) => i.getAttribute('data-status') === 'running');
    },
    minPassed,
    { timeout: timeoutMs, polling: 'raf' },
  );
}

/** What one describe block of the e2e tests stands on; `web` is whichever server the test started. */
export interface E2eFixture {
  browser: Browser;
  /** A scratch folder, removed afterwards. */
  tmp: string;
  web?: WebMode;
}

/**
 * Registers, for the calling describe block, a browser and a scratch
 * folder before its tests and, after them, closes the browser, stops the
 * web server the tests started and removes the folder. (The server is
 * also the test's own, see startWebMode: stopped however the test ends.)
 */
export function e2eFixture(tmpPrefix: string): E2eFixture {
  const fixture = {} as E2eFixture;
  beforeAll(async () => {
    fixture.tmp = await mkdtemp(join(tmpdir(), tmpPrefix));
    fixture.browser = await launchBrowser();
  });
  afterAll(async () => {
    // each whatever the other does: a browser that will not close must not keep the server running
    const ended = await Promise.allSettled([fixture.browser?.close(), fixture.web?.stop()]);
    if (fixture.tmp) await rm(fixture.tmp, { recursive: true, force: true });
    for (const end of ended) if (end.status === 'rejected') throw end.reason;
  });
  return fixture;
}

/**
 * The reference module copied to `dir` as a student's folder holds it:
 * the sources only, without the repository's checks/ and hello/.
 */
export async function copyStudentModule(dir: string): Promise<string> {
  await cp(moduleDir, dir, { recursive: true, filter: (src) => !src.includes('/checks') && !src.includes('/hello') });
  return dir;
}
