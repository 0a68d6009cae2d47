import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOwned, spawnOwned } from '../../test/owned.js';
import { spawnOwnedPty } from '../../test/owned-pty.js';
import { projectRoot } from '../paths.js';
import { templateSources } from '../workspace/templates.js';
import { EXIT_USAGE } from './errors.js';

/** tsx compiles the CLI first; the URL follows within seconds. */
const START_MS = 60_000;
const URL = /http:\/\/127\.0\.0\.1:\d+\/[\w-]+\//;
const bin = join(projectRoot, 'bin', 'kshram-lab.js');
const env = { ...process.env, NO_COLOR: '1' };
// the tests run as root here (CI too): every web below passes --allow-root, and one checks the refusal without it
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-web-cli-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Runs `kshram-lab web ARGS` without a terminal until it prints its URL, then stops it (Ctrl-C: SIGINT). */
async function serveOnce(args: string[]): Promise<string> {
  const server = spawnOwned(process.execPath, [bin, 'web', '--allow-root', '--port', '0', ...args], { cwd: projectRoot, env, stopSignal: 'SIGINT' });
  const deadline = Date.now() + START_MS;
  while (!URL.test(server.output()) && server.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await server.stop();
  return server.output();
}

const sameFiles = async (dir: string, template: 'starter' | 'reference'): Promise<void> => {
  for (const [name, source] of Object.entries(templateSources(template))) expect(await readFile(join(dir, name), 'utf8')).toBe(await readFile(source, 'utf8'));
};

describe('kshram-lab web as root', () => {
  it.skipIf(process.getuid?.() !== 0)('refuses without --allow-root, saying why, before asking or serving anything', async () => {
    const dir = join(work, 'as-root');
    const result = await runOwned(process.execPath, [bin, 'web', dir, '--template', 'starter', '--port', '0'], { env, timeoutMs: START_MS });
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.output).toContain("error: Running the web workbench as root is not recommended: whoever has its URL gets gdb's shell and python, builds and QEMU, all as root.");
    expect(result.output).toContain('add --allow-root (npm run web -- --allow-root)');
    expect(result.output).not.toMatch(URL);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('kshram-lab web DIR, when DIR is not a workspace yet', () => {
  it('creates it from --template and serves it', async () => {
    const dir = join(work, 'new-lab05');
    const output = await serveOnce([dir, '--template', 'reference']);
    expect(output).toContain(`Created ${dir} from the reference module.`);
    expect(output).toMatch(URL);
    await sameFiles(dir, 'reference');
  });

  it('without a terminal and without --template, says what to add and creates nothing', async () => {
    const dir = join(work, 'not-there');
    const result = await runOwned(process.execPath, [bin, 'web', '--allow-root', dir, '--port', '0'], { env, timeoutMs: START_MS });
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.output).toContain(`error: ${dir} does not exist.`);
    expect(result.output).toContain('Add --template starter');
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses an unknown template', async () => {
    const result = await runOwned(process.execPath, [bin, 'web', '--allow-root', join(work, 'x'), '--template', 'solution'], { env, timeoutMs: START_MS });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/Allowed choices are starter, reference/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('on a terminal, asks, and creates it from the starter on Enter', async () => {
    const dir = join(work, 'asked');
    const server = spawnOwnedPty(process.execPath, [bin, 'web', '--allow-root', dir, '--port', '0'], { cwd: projectRoot, env, cols: 200, rows: 30, stopSignal: 'SIGINT' });
    const until = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + START_MS;
      while (!pattern.test(server.output())) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${server.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(/does not exist\. Create a workspace there from the starter skeleton\? \[Y\/n, r: the reference module\]/);
    expect(existsSync(dir)).toBe(false);
    server.term.write('\r');
    await until(URL);
    await sameFiles(dir, 'starter');
    await server.stop();
  });

  it('on a terminal, creates nothing when the answer is no', async () => {
    const dir = join(work, 'declined');
    const prompt = spawnOwnedPty(process.execPath, [bin, 'web', '--allow-root', dir, '--port', '0'], { cwd: projectRoot, env, cols: 200, rows: 30 });
    const deadline = Date.now() + START_MS;
    while (!/\[Y\/n/.test(prompt.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    prompt.term.write('n\r');
    expect((await prompt.exited).exitCode).toBe(EXIT_USAGE);
    expect(prompt.output()).toContain('Nothing created');
    expect(existsSync(dir)).toBe(false);
  });
});
