/**
 * What the end-to-end tests stand on: `kshram-lab web` started as a user
 * would start it, and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { projectRoot } from '../app/paths.js';

/** Debian's package; playwright's own browser download is not possible here. */
const CHROMIUM = process.env.KSHRAM_LAB_CHROMIUM ?? '/usr/bin/chromium';
/** The server prints its URL within a second or two (tsx compiles the CLI first). */
const SERVER_START_MS = 60_000;
/** SIGINT stops the VM and the server; QEMU dies at once. */
const SERVER_STOP_MS = 15_000;
/** A window as big as a laptop screen, so screenshots show the whole workbench. */
export const VIEWPORT = { width: 1440, height: 900 };
export const resultsDir = join(projectRoot, 'test-results', 'e2e');

export interface WebMode {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `kshram-lab web ARGS` and waits for the URL it prints. */
export async function startWebMode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<WebMode> {
  const child: ChildProcess = spawn(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'web', ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kshram-lab web printed no URL within ${SERVER_START_MS / 1000} s:\n${output}`)), SERVER_START_MS);
    const poll = setInterval(() => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//.exec(output);
      if (match) done(undefined, match[0]);
    }, 50);
    void exited.then((code) => done(new Error(`kshram-lab web exited (${code}):\n${output}`)));
    const done = (err?: Error, value?: string): void => {
      clearTimeout(timer);
      clearInterval(poll);
      if (err) reject(err);
      else resolve(value!);
    };
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_MS);
      await exited;
      clearTimeout(timer);
    },
  };
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
 * web server the tests started and removes the folder.
 */
export function e2eFixture(tmpPrefix: string): E2eFixture {
  const fixture = {} as E2eFixture;
  beforeAll(async () => {
    fixture.tmp = await mkdtemp(join(tmpdir(), tmpPrefix));
    fixture.browser = await launchBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.web?.stop();
    if (fixture.tmp) await rm(fixture.tmp, { recursive: true, force: true });
  });
  return fixture;
}
