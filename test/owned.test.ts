import { beforeAll, describe, expect, it } from 'vitest';
import { spawnOwned, type OwnedProcess } from './owned.js';
import { processState } from './processes.js';

/** Longer than any of these tests: only its owner ends it. */
const SLEEP = ['3600'];
/** A process ended by SIGKILL is gone at once; moments on a busy host. */
const GONE_MS = 10_000;

const alive = (pid: number): boolean => {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
};
async function gone(pid: number): Promise<boolean> {
  for (const deadline = Date.now() + GONE_MS; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (!alive(pid)) return true;
  return false;
}

/**
 * The tests here run in order and look at what the one before left: a
 * process a test started ends with that test, also when the test fails;
 * one a hook started lives until the file ends.
 */
describe('processes owned by a test', () => {
  let fromHook: OwnedProcess;
  let fromFailedTest = 0;
  let fromGroup = 0;

  beforeAll(() => {
    fromHook = spawnOwned('sleep', SLEEP);
  });

  it.fails('a test that fails with its process running (expected to fail)', () => {
    const owned = spawnOwned('sh', ['-c', `sleep ${SLEEP[0]} & echo $!; wait`]);
    fromFailedTest = owned.pid;
    throw new Error('this test fails on purpose');
  });

  it("ends a failed test's process and what that process started, after the test", async () => {
    expect(fromFailedTest).toBeGreaterThan(0);
    expect(await gone(fromFailedTest)).toBe(true);
  });

  it('keeps a process a hook started across tests', () => {
    expect(alive(fromHook.pid)).toBe(true);
  });

  it('ends the whole group: a child the process started in the background too', async () => {
    const owned = spawnOwned('sh', ['-c', `sleep ${SLEEP[0]} & echo $!; wait`]);
    await new Promise<void>((resolve) => owned.child.stdout!.once('data', () => resolve()));
    fromGroup = Number(owned.stdout().trim());
    expect(alive(fromGroup)).toBe(true);
    await owned.stop();
    expect(await gone(fromGroup)).toBe(true);
    expect(await owned.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe.concurrent('processes owned by tests that run at once', () => {
  let short = 0;
  it('a short test', async () => {
    short = spawnOwned('sleep', SLEEP).pid;
    await new Promise((r) => setTimeout(r, 100));
  });
  it("a longer one: the short one's end does not end what may be this one's", async () => {
    const mine = spawnOwned('sleep', SLEEP);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(short).toBeGreaterThan(0);
    // started while both ran, so either may own it: it ends with the last of them
    expect(alive(short)).toBe(true);
    expect(alive(mine.pid)).toBe(true);
  });
});
