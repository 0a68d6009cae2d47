import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS, variantSource } from '../../test/corpus/variants.js';
import { spawnOwned } from '../../test/owned.js';
import { projectRoot } from '../paths.js';
import type { Me } from './contract.js';
import { REDIS_DIR } from './redis-server.js';
import { submitOverNc, type CourseRun } from './testing/nc-client.js';
import { buildKo, eventually, startTestService, type TestService } from './testing/service.js';

/**
 * Workers come and go; submissions do not. Two `kshram-lab worker`
 * processes on one Redis, one killed with SIGKILL in the middle of a
 * grade; a service restarted with work queued, and again with its Redis
 * gone; a submission whose grade is cut short by its worker's death three
 * times. Every submission ends with its right result, stored once.
 */
const GRADE_MS = 300_000;
const oops = VARIANTS.find((variant) => variant.name === 'oops-in-init')!;
const workers = new Set<ChildProcess>();

/** A `kshram-lab worker`, owned by the running test (test/owned.ts) besides the SIGKILLs below. */
function startWorker(redisUrl: string): ChildProcess {
  const { child } = spawnOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'worker', '--redis', redisUrl, '--jobs', '1']);
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return child;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    [...workers].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** pid -> parent pid and name of every process now (read at once: a process may end between two reads). */
function processes(): Map<number, { parent: number; comm: string }> {
  const map = new Map<number, { parent: number; comm: string }>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), { parent: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** QEMUs started by `pid` (directly or through its children). */
function qemusUnder(pid: number): number[] {
  const tree = processes();
  const under = (child: number): boolean => {
    for (let p = tree.get(child)?.parent; p !== undefined && p > 1; p = tree.get(p)?.parent) if (p === pid) return true;
    return false;
  };
  return [...tree.keys()].filter((child) => under(child) && tree.get(child)!.comm.startsWith('qemu-system'));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('workers and restarts lose nothing', () => {
  let reference: Buffer;
  let crashing: Buffer;
  let service: TestService | undefined;

  beforeAll(async () => {
    [reference, crashing] = await Promise.all([buildKo(), buildKo({ source: await variantSource(oops) })]);
  }, GRADE_MS);

  afterEach(async () => {
    await stopWorkers();
    await service?.close();
    service = undefined;
  });
  afterAll(stopWorkers);

  const student = (name: string): Me => ({ student: name, role: 'student' });

  it('two workers, one killed with SIGKILL mid-grade: its QEMU dies with it, every submission gets its right result once', async () => {
    service = await startTestService({ workers: 0 });
    const { service: core, redis } = service.running;
    const expected = new Map<string, number>();
    // each student also follows their submission over nc (the same file again is that submission): whichever is cut short, its stream ends with its score
    const streams = new Map<string, Promise<CourseRun>>();
    for (const [name, file, total] of [['alice', reference, 100], ['bob', crashing, 20], ['carol', reference, 100], ['dave', crashing, 20]] as const) {
      const { submission } = await core.submit(student(name), { fileName: 'kshram.ko', data: file, via: 'http' });
      expected.set(submission.id, total);
      streams.set(submission.id, submitOverNc(service.running.ncPort!, file, { token: service.token(name), timeoutMs: GRADE_MS }));
    }
    startWorker(redis.url);
    startWorker(redis.url);
    // a worker in the middle of a grade: its VM is up
    const victim = await eventually(
      'a worker with a VM running',
      async () => {
        const state = await core.queueState({ student: 'prof', role: 'ta' });
        return state.workers.find((worker) => worker.running.length && qemusUnder(worker.pid).length);
      },
      GRADE_MS,
    );
    const qemus = qemusUnder(victim.pid);
    const cutShort = victim.running;
    process.kill(victim.pid, 'SIGKILL');
    // the kernel ends its QEMU with it (parent-death signal), and the grade goes to the other worker
    await eventually('the dead worker\'s QEMU to end', () => qemus.every((pid) => !alive(pid)) || undefined, 10_000);
    const store = service.store();
    await eventually('every submission graded', () => [...expected.keys()].every((id) => store.view(id)?.state === 'graded') || undefined, GRADE_MS, 1_000);
    for (const [id, total] of expected) expect(store.view(id), id).toMatchObject({ state: 'graded', total });
    for (const [id, total] of expected) {
      const { transcript } = await streams.get(id)!;
      expect(transcript, id).toContain(`it is submission ${id}; following it.`);
      expect(transcript, id).toMatch(new RegExp(`\\r\\nScore: ${total}/100 \\(.*\\r\\n$`));
      // the student is told that the lines before were a lost attempt, only for the one cut short
      expect(transcript.includes('it is graded again from the start'), id).toBe(cutShort.includes(id));
    }
    // stored once each: one "graded" line per submission in the service's log
    for (const id of expected.keys()) expect(service.logs.filter((line) => line.startsWith(`submission ${id} of `)), id).toHaveLength(1);
  }, GRADE_MS * 2);

  it('a restart with work queued loses none of it, even when Redis lost its data', async () => {
    // a data folder of the test's own: the service's close() leaves it
    const dataDir = await mkdtemp(join(tmpdir(), 'kshram-restart-test-'));
    service = await startTestService({ workers: 0, dataDir });
    const ids: Array<[string, number]> = [];
    for (const [name, file, total] of [['eve', reference, 100], ['frank', crashing, 20]] as const) {
      const { submission } = await service.running.service.submit(student(name), { fileName: 'kshram.ko', data: file, via: 'http' });
      ids.push([submission.id, total]);
    }
    await service.close();
    // the same data folder: the private Redis comes back from its append-only file
    service = await startTestService({ workers: 0, dataDir });
    expect(ids.map(([id]) => service!.store().view(id)?.state)).toEqual(['queued', 'queued']);
    expect(service.logs.filter((line) => line.includes('queued again'))).toEqual([]);
    await service.close();
    // and once more with Redis's files gone: SQLite and the stored files bring the jobs back
    await rm(join(dataDir, REDIS_DIR), { recursive: true, force: true });
    service = await startTestService({ workers: 1, dataDir });
    expect(service.logs.filter((line) => line.includes('is not in the queue: queued again'))).toHaveLength(2);
    const store = service.store();
    await eventually('both graded', () => ids.every(([id]) => store.view(id)?.state === 'graded') || undefined, GRADE_MS, 1_000);
    for (const [id, total] of ids) expect(store.view(id)).toMatchObject({ state: 'graded', total });
    await rm(dataDir, { recursive: true, force: true });
  }, GRADE_MS * 2);

  it('a submission whose worker dies every time it is graded ends as WORKER_LOST, not retried for ever', async () => {
    service = await startTestService({ workers: 0 });
    const { service: core, redis } = service.running;
    const { submission } = await core.submit(student('mallory'), { fileName: 'kshram.ko', data: reference, via: 'http' });
    const store = service.store();
    for (let kill = 1; kill <= 3; kill++) {
      const worker = startWorker(redis.url);
      await eventually(`the worker to take it (${kill})`, async () => {
        const state = await core.queueState({ student: 'prof', role: 'ta' });
        return state.workers.find((w) => w.pid === worker.pid && w.running.includes(submission.id));
      }, GRADE_MS);
      worker.kill('SIGKILL');
    }
    // a worker notices the third death (a lapsed lock) and gives the job up
    startWorker(redis.url);
    const ended = await eventually('the job given up', () => store.view(submission.id)?.state === 'error' && store.view(submission.id), GRADE_MS, 1_000);
    expect(ended.error).toMatchObject({ code: 'WORKER_LOST', message: expect.stringMatching(/^Grading kshram\.ko ended its worker each time it was tried \(\d times\); it is not tried again\.$/) });
  }, GRADE_MS * 2);
});
