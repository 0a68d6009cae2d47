/**
 * What the course service's end-to-end tests stand on: `kshram-lab serve`
 * started as a TA would start it (its private Redis, a real grading
 * worker, real QEMU), tokens made with `kshram-lab token add`, and the
 * pages' own client for submitting from the test as other students.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { screenshot } from './harness.js';
import { ServiceApi } from '../app/service/http-client.js';
import { eventually } from '../app/service/testing/service.js';
import { spawnOwned, type Exit } from '../test/owned.js';
import { VARIANTS, variantSource } from '../test/corpus/variants.js';

const run = promisify(execFile);
const CLI = join(projectRoot, 'bin', 'kshram-lab.js');
/** serve starts Redis and compiles nothing: seconds, but tsx compiles the CLI first on a busy host. */
const SERVE_START_MS = 90_000;
/** SIGINT puts running grades back in the queue and stops Redis; a worker's QEMU dies with it. */
const SERVE_STOP_MS = 30_000;
/** The pages at 1024×768: the smallest screen the pages are made for. */
export const SMALL_SCREEN = { width: 1024, height: 768 };
/** A common laptop's window: the pages should use the room, not stretch or float. */
export const WIDE_SCREEN = { width: 1440, height: 900 };

/** Screenshots at 1024×768 (`name`) and at 1440×900 (`name-1440`), the page fitting both; the window is small again after. */
export async function screenshotBothSizes(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await expectNoHorizontalScroll(page);
  await page.setViewportSize(WIDE_SCREEN);
  await screenshot(page, `${name}-1440`);
  await expectNoHorizontalScroll(page);
  await page.setViewportSize(SMALL_SCREEN);
}
/**
 * A grade here: ~5-15 s when the host is quiet, several times that beside
 * another engineer's VMs; the course's own limit is 120 s of VM time.
 */
export const GRADE_MS = 240_000;

export interface ServeProcess {
  /** http://127.0.0.1:PORT, the pages and the API. */
  url: string;
  dataDir: string;
  output(): string;
  /** A new token from `kshram-lab token add` (its last line of output). */
  token(student: string, ta?: boolean): Promise<string>;
  api(token: string): ServiceApi;
  stop(): Promise<void>;
}

/** Starts `kshram-lab serve` with one worker on free ports, its data in `dataDir`. */
export async function startServe(dataDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  // owned by the test file: SIGINT is serve's Ctrl-C (running grades back to the queue, Redis stopped), then its group is killed
  const child = spawnOwned(process.execPath, [CLI, 'serve', '--data', dataDir, '--http-port', '0', '--nc-port', '0', '--workers', '1', ...extra], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stopSignal: 'SIGINT',
    graceMs: SERVE_STOP_MS,
  });
  const stop = async (): Promise<void> => {
    await child.stop();
  };
  let exitCode: Exit | undefined;
  void child.exited.then((exit) => (exitCode = exit));
  const url = await eventually(
    `kshram-lab serve to print its address`,
    () => {
      if (exitCode) throw new Error(`kshram-lab serve exited (${exitCode.code ?? exitCode.signal}):\n${child.output()}`);
      return /kshram lab service: (http:\/\/127\.0\.0\.1:\d+)/.exec(child.output())?.[1];
    },
    SERVE_START_MS,
    50,
  ).catch(async (err: unknown) => {
    await stop();
    throw err instanceof Error ? new Error(`${err.message}\n${child.output()}`) : err;
  });
  return {
    url,
    dataDir,
    output: () => child.output(),
    token: async (student, ta = false) => {
      const { stdout } = await run(process.execPath, [CLI, 'token', 'add', student, '--data', dataDir, ...(ta ? ['--ta'] : [])], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1' } });
      return stdout.trim().split('\n').pop()!.trim();
    },
    api: (token) => new ServiceApi(url, token),
    stop,
  };
}

/** The corpus's module whose mmap takes the slot from the VMA: an Oops at `mutex_lock(&slot->lock);` in kshram_mmap. */
export async function crashingSource(): Promise<{ source: string; line: number; item: number }> {
  const variant = VARIANTS.find((v) => v.name === 'oops-in-mmap')!;
  const source = await variantSource(variant);
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.startsWith('static int kshram_mmap('));
  const at = lines.findIndex((l, i) => i > start && l.includes(variant.crashAt!.lines[0]!));
  return { source, line: at + 1, item: variant.statuses.indexOf('fail') + 1 };
}

export const referenceSource = (): Promise<string> => readFile(join(projectRoot, 'module', 'kshram.c'), 'utf8');

/** What the page said on its console (errors and warnings) and any exception it threw. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  return problems;
}

/** The page fits its window: no horizontal scrollbar at this size. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return { scroll: root.scrollWidth, client: root.clientWidth };
  });
  expect(scroll, 'the page is wider than its window').toBeLessThanOrEqual(client);
}

/** Signs in on the page shown, with the keyboard only (the token field has the focus at start). */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('[data-testid=token-input]');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=who]');
}

/** The little of an element the in-page checks read (this side is typechecked without the DOM). */
export interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

/** One attribute of every element the locator finds, in document order. */
export function attributes(locator: Locator, name: string): Promise<Array<string | null>> {
  return locator.evaluateAll((elements, attribute) => (elements as unknown as PageElement[]).map((e) => e.getAttribute(attribute)), name);
}
