import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { e2eFixture, openPage, screenshot, startWebMode, terminalText, waitForTerminal, copyStudentModule } from './harness.js';

/** A build and a TCG boot take ~10 s, far more on a busy host; these are the give-up points. */
const BOOT_MS = 120_000;
const UI_MS = 15_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds while other VMs hold both cores. */
const GUEST_MS = 60_000;

/**
 * Typed before a key that signals a program: the shell prints the number only once it has
 * left its line editor. Until then the terminal is raw, and a Ctrl+C or Ctrl+Z is a plain
 * byte that nothing reads (the typed command shows $((N + 0)), never the number): on a
 * busy host the test pressed Ctrl+C into that window and the sleep ran on. A user waits too.
 */
const RUNNING = (n: number): string => `echo running-$((${n} + 0)); `;

/**
 * A key that signals the foreground job is pressed again when nothing came of it, as a user
 * would: one that arrives between the shell's output and its fork of the next program goes
 * to the shell, which ignores a Ctrl+Z (seen under load: "running-700", then "^Z", no stop).
 */
const KEY_TRIES = 3;
const KEY_TRY_MS = 15_000;

async function pressUntil(page: Page, key: string, pattern: RegExp): Promise<void> {
  for (let tries = 1; ; tries++) {
    await page.keyboard.press(key);
    try {
      return await waitForTerminal(page, pattern, KEY_TRY_MS);
    } catch (err) {
      if (tries === KEY_TRIES) throw err;
    }
  }
}

/** The console's last prompt follows everything else: the guest is back at its shell. */
const PROMPT_LAST = /kshram:\/root# \s*$/;

describe('the console keys a terminal user expects, in Chromium over web mode on a real QEMU boot', () => {
  const fx = e2eFixture('kshram-e2e-keys-');

  it('Ctrl+C ends the guest\'s program (sleep, a loop over /proc/kshram), Ctrl+Z stops it; the VM runs on', { timeout: 420_000 }, async () => {
    const dir = join(fx.tmp, 'lab05');
    await copyStudentModule(dir);
    fx.web = await startWebMode([dir]);
    const { page, errors } = await openPage(fx.browser, fx.web.url);
    await page.locator('[data-testid=editor] .view-lines').getByText('SPDX-License-Identifier').waitFor({ timeout: UI_MS });
    await page.getByTestId('boot-button').click();
    await waitForTerminal(page, /kshram:\/root# /, BOOT_MS);
    await page.locator('[data-testid=vm-state][data-phase=running]').waitFor({ timeout: BOOT_MS });
    const terminal = page.getByTestId('terminal');
    await terminal.click();
    try {

      // a program that would run for minutes: Ctrl+C ends it and the shell answers at once
      await page.keyboard.type(`${RUNNING(600)}sleep 600\n`);
      await waitForTerminal(page, /running-600/, GUEST_MS);
      await page.keyboard.press('Control+c');
      await page.keyboard.type('echo after-sleep-$((6 * 7))\n');
      await waitForTerminal(page, /after-sleep-42/, GUEST_MS);
      expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');

      // a loop that floods the console reading the module's /proc file: Ctrl+C ends it too
      await page.keyboard.type('while true; do cat /proc/kshram; done\n');
      await waitForTerminal(page, /07: 4096/, GUEST_MS);
      await pressUntil(page, 'Control+c', PROMPT_LAST);
      await page.keyboard.type('echo after-loop-$((6 * 7))\n');
      await waitForTerminal(page, /after-loop-42/, GUEST_MS);
      await screenshot(page, 'keys-01-ctrl-c');

      // Ctrl+Z stops the foreground job, as on any console; the shell's job control has it
      await page.keyboard.type(`${RUNNING(700)}sleep 700\n`);
      await waitForTerminal(page, /running-700/, GUEST_MS);
      await pressUntil(page, 'Control+z', /Stopped\s+sleep 700/);
      await page.keyboard.type('kill %1; echo after-stop-$((6 * 7))\n');
      await waitForTerminal(page, /after-stop-42/, GUEST_MS);
      await waitForTerminal(page, PROMPT_LAST, GUEST_MS);
      await screenshot(page, 'keys-02-ctrl-z');
    } catch (err) {
      // what the terminal showed when a key did not take: the screenshot says which
      await screenshot(page, 'keys-FAILED');
      throw err;
    }
    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');
    expect(await terminalText(page)).not.toMatch(/terminating on signal|The guest ended/);
    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });
});
