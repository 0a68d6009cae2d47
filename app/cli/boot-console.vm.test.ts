import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir, projectRoot } from '../paths.js';
import { spawnOwned } from '../../test/owned.js';
import { until } from '../../test/until.js';

const CLI = join(projectRoot, 'bin', 'kshram-lab.js');
/** Build ~3 s and a TCG boot ~5 s; much more on a busy host. */
const PROMPT_MS = 120_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds on a busy one. */
const GUEST_MS = 60_000;

describe('kshram-lab boot: the console as a terminal user expects it', () => {
  it('shows the prompt without a key pressed, and Ctrl-C ends the guest\'s program, not the VM', async () => {
    const boot = spawnOwned(process.execPath, [CLI, 'boot', moduleDir], { env: { ...process.env, NO_COLOR: '1' }, stdin: 'pipe' });
    const stdin = boot.child.stdin!;
    // nothing typed: the prompt the guest printed while the CLI waited for its agent is shown
    await until('the first prompt', () => /kshram:\/root# /.test(boot.output()), PROMPT_MS);
    stdin.write('sleep 600\r');
    await until('sleep to be echoed', () => /sleep 600[\r\n]/.test(boot.output()), GUEST_MS).catch((err: Error) => Promise.reject(new Error(`${err.message}:\n${boot.output()}`)));
    const mark = boot.output().length;
    stdin.write('\x03');
    // the shell prompts again, and answers at once: sleep was interrupted, QEMU stays up
    await until('a prompt after ^C', () => /kshram:\/root# /.test(boot.output().slice(mark)), GUEST_MS);
    stdin.write('echo alive-$((40 + 2))\r');
    await until('the guest to answer after ^C', () => /alive-42/.test(boot.output().slice(mark)), GUEST_MS);
    expect(boot.output()).not.toMatch(/terminating on signal/);
    expect(boot.child.exitCode).toBeNull();
    stdin.write('\x1d');
    expect((await boot.exited).code).toBe(0);
    expect(boot.output()).toContain('VM stopped.');
  }, 240_000);
});
