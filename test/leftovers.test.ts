import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { endLeftovers, FILE_MARKER, findLeftovers, GRACE_VARIABLE, RUN_MARKER } from './leftovers.js';
import { runOwned } from './owned.js';
import { hostProcesses } from './processes.js';

/** A nested vitest run starts in a second or two; far more on a host busy with VMs. */
const NESTED_RUN_MS = 120_000;

/** A sleep long enough to outlive any test, whose length no other sleep on the machine has. */
const uniqueSleep = (): string => `86400.${process.pid}${Math.floor(Math.random() * 1e6)}`;

/** Starts a sleep nobody waits for, as a forgotten server would be; killed by the test whatever happens. */
function leaveSleep(seconds: string, env: NodeJS.ProcessEnv, detached = true): ChildProcess {
  const child = spawn('sleep', [seconds], { env, detached, stdio: 'ignore' });
  child.unref();
  return child;
}

const alive = (command: string): number[] => hostProcesses().filter((p) => p.command === command && p.state !== 'Z').map((p) => p.pid);

describe('the leftover guard', () => {
  it("finds a process carrying the run's marker, with the test file that started it, and ends it", async () => {
    const marker = { name: RUN_MARKER, value: `guard-test-${uniqueSleep()}` };
    const seconds = uniqueSleep();
    const sleep = leaveSleep(seconds, { ...process.env, [RUN_MARKER]: marker.value });
    try {
      expect(findLeftovers({ marker })).toEqual([{ pid: sleep.pid, command: `sleep ${seconds}`, file: process.env[FILE_MARKER] }]);
      expect(process.env[FILE_MARKER]).toBe('test/leftovers.test.ts');
      expect(await endLeftovers(findLeftovers({ marker }))).toEqual([]);
      expect(findLeftovers({ marker })).toEqual([]);
      expect(alive(`sleep ${seconds}`)).toEqual([]);
    } finally {
      sleep.kill('SIGKILL');
    }
  });

  it('finds a descendant that dropped the environment, and a process naming the run folder; not one of another run', async () => {
    const marker = { name: RUN_MARKER, value: `guard-test-${uniqueSleep()}` };
    const runDir = `/tmp/kshram-tests-guard-${uniqueSleep()}`;
    const bare = leaveSleep(uniqueSleep(), {}, false);
    const naming = spawn('sh', ['-c', `sleep ${uniqueSleep()}; :`, runDir], { stdio: 'ignore', detached: true, env: {} });
    // another run's: not started from here (its shell exits at once), marked with that run's value
    const other = Number(execFileSync('sh', ['-c', `sleep ${uniqueSleep()} >/dev/null 2>&1 & echo $!`], { env: { ...process.env, [RUN_MARKER]: 'another-run' }, encoding: 'utf8' }));
    try {
      expect(findLeftovers({ marker }).map((l) => l.pid)).toEqual([]);
      const found = findLeftovers({ marker, root: process.pid, mentions: runDir }).map((l) => l.pid);
      expect(found).toContain(bare.pid);
      expect(found).toContain(naming.pid);
      expect(found).not.toContain(other);
      expect(findLeftovers({ marker: { name: RUN_MARKER, value: 'another-run' } }).map((l) => l.pid)).toContain(other);
    } finally {
      bare.kill('SIGKILL');
      process.kill(-naming.pid!, 'SIGKILL'); // its shell and the shell's sleep
      process.kill(other, 'SIGKILL');
    }
  });

  it.concurrent('fails a vitest run whose test leaves a sleep running, naming it, and kills the sleep', { timeout: NESTED_RUN_MS + 30_000 }, async () => {
    const seconds = uniqueSleep();
    // the nested run's files are its own: its leftovers must not be named after this one
    const env = { ...process.env, NO_COLOR: '1', KSHRAM_LAB_GUARD_SLEEP: seconds, [FILE_MARKER]: undefined, [GRACE_VARIABLE]: '0' };
    const result = await runOwned(process.execPath, [join(projectRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/leaves-a-sleep.config.ts'], { cwd: projectRoot, env, timeoutMs: NESTED_RUN_MS });
    expect(result.output).toMatch(/Tests\s+1 passed/);
    expect(result.output).toContain('1 process of this test run still running after the tests (now killed)');
    expect(result.output).toMatch(new RegExp(`pid \\d+: sleep ${seconds.replace('.', '\\.')}`));
    expect(result.code).toBe(1);
    expect(alive(`sleep ${seconds}`)).toEqual([]);
  });

  it.concurrent('fails a guarded bench that leaves a sleep running, naming it, and kills the sleep; else passes its status on', { timeout: NESTED_RUN_MS * 2 }, async () => {
    // as `npx tsx bench/X.ts` runs: outside the suite, so without its marker
    const bench = (...args: string[]) =>
      runOwned(process.execPath, [join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'test/fixtures/leaves-a-sleep-bench.ts', ...args], { cwd: projectRoot, env: { ...process.env, [RUN_MARKER]: undefined, [GRACE_VARIABLE]: '0' }, timeoutMs: NESTED_RUN_MS });
    const seconds = uniqueSleep();
    const leaky = await bench(seconds, '0');
    expect(leaky.stderr).toMatch(new RegExp(`left 1 process running \\(now killed\\):\\n  pid \\d+: sleep ${seconds.replace('.', '\\.')}`));
    expect(leaky.code).toBe(1);
    expect(alive(`sleep ${seconds}`)).toEqual([]);
    expect((await bench('none', '3')).code).toBe(3);
  });
});
