import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir, projectRoot } from '../paths.js';
import { until } from '../../test/until.js';

const CLI = join(projectRoot, 'bin', 'kshram-lab.js');
/** Build ~3 s and a TCG boot ~5 s; much more on a busy host. */
const PROMPT_MS = 120_000;
/** A command's echo from the TCG guest: at once on an idle host, seconds on a busy one. */
const GUEST_MS = 60_000;

describe('kshram-lab boot: the console as a terminal user expects it', () => {
  it('shows the prompt without a key pressed, and Ctrl-C ends the guest\'s program, not the VM', async () => {
    const child = spawn(process.execPath, [CLI, 'boot', moduleDir], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // nothing typed: the prompt the guest printed while the CLI waited for its agent is shown
      await until('the first prompt', () => /kshram:\/root# /.test(output), PROMPT_MS);
      child.stdin.write('sleep 600\r');
      await until('sleep to be echoed', () => /sleep 600[\r\n]/.test(output), GUEST_MS).catch((err: Error) => Promise.reject(new Error(`${err.message}:\n${output}`)));
      const mark = output.length;
      child.stdin.write('\x03');
      // the shell prompts again, and answers at once: sleep was interrupted, QEMU stays up
      await until('a prompt after ^C', () => /kshram:\/root# /.test(output.slice(mark)), GUEST_MS);
      child.stdin.write('echo alive-$((40 + 2))\r');
      await until('the guest to answer after ^C', () => /alive-42/.test(output.slice(mark)), GUEST_MS);
      expect(output).not.toMatch(/terminating on signal/);
      expect(child.exitCode).toBeNull();
      child.stdin.write('\x1d');
      expect(await exited).toBe(0);
      expect(output).toContain('VM stopped.');
    } finally {
      child.kill('SIGKILL');
    }
  }, 240_000);
});
