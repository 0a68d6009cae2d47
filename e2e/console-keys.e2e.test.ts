import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eFixture, openPage, screenshot, startWebMode, terminalText, waitForTerminal, copyStudentModule } from './harness.js';

/** A build and a TCG boot take ~10 s, far more on a busy host; these are the give-up points. */
const BOOT_MS = 120_000;
const UI_MS = 15_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds while other VMs hold both cores. */
const GUEST_MS = 60_000;

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

    // a program that would run for minutes: Ctrl+C ends it and the shell answers at once
    await page.keyboard.type('sleep 600\n');
    await waitForTerminal(page, /sleep 600\s*$/, GUEST_MS);
    await page.keyboard.press('Control+c');
    await page.keyboard.type('echo after-sleep-$((6 * 7))\n');
    await waitForTerminal(page, /after-sleep-42/, GUEST_MS);
    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');

    // a loop that floods the console reading the module's /proc file: Ctrl+C ends it too
    await page.keyboard.type('while true; do cat /proc/kshram; done\n');
    await waitForTerminal(page, /07: 4096/, GUEST_MS);
    await page.keyboard.press('Control+c');
    await page.keyboard.type('echo after-loop-$((6 * 7))\n');
    await waitForTerminal(page, /after-loop-42/, GUEST_MS);
    await screenshot(page, 'keys-01-ctrl-c');

    // Ctrl+Z stops the foreground job, as on any console; the shell's job control has it
    await page.keyboard.type('sleep 700\n');
    await waitForTerminal(page, /sleep 700\s*$/, GUEST_MS);
    await page.keyboard.press('Control+z');
    await waitForTerminal(page, /Stopped\s+sleep 700/, GUEST_MS);
    await page.keyboard.type('kill %1; echo after-stop-$((6 * 7))\n');
    await waitForTerminal(page, /after-stop-42/, GUEST_MS);
    await waitForTerminal(page, PROMPT_LAST, GUEST_MS);
    await screenshot(page, 'keys-02-ctrl-z');

    expect(await page.getByTestId('vm-state').getAttribute('data-phase')).toBe('running');
    expect(await terminalText(page)).not.toMatch(/terminating on signal|The guest ended/);
    expect(errors).toEqual([]);
    await fx.web.stop();
    fx.web = undefined;
  });
});
