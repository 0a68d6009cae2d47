import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import { withParentDeathSignal } from '../process.js';
import type { RedisTarget } from './redis.js';

/** A worker that dies is started again after this (a crash loop waits longer each time, up to a minute). */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;
/** A worker that ran this long before dying was fine: its next restart waits the shortest delay again. */
const HEALTHY_RUN_MS = 60_000;
/** A closing worker puts its grades back in the queue and exits within a second or two. */
const STOP_TIMEOUT_MS = 10_000;

export interface WorkerPool {
  /** The workers' process ids, now. */
  pids(): number[];
  close(): Promise<void>;
}

/**
 * `serve --workers N`: N `kshram-lab worker --jobs 1` processes in the
 * service's process group, on the service's Redis. Separate processes, so
 * the service never runs a submission, and a grade that takes its worker
 * down takes only that one job with it (the queue retries it); the pool
 * starts a dead worker again. They die with the service (parent-death
 * signal), and so do their QEMUs with them.
 */
export function startWorkerPool(count: number, redis: RedisTarget, log: (line: string) => void): WorkerPool {
  const children = new Map<number, ChildProcess>();
  let closing = false;

  const launch = (slot: number, delay: number): void => {
    const started = Date.now();
    const [command, args] = withParentDeathSignal(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'worker', '--redis', redis.url, '--jobs', '1']);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    children.set(slot, child);
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`worker ${slot + 1}: ${line}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.once('exit', (code, signal) => {
      if (children.get(slot) === child) children.delete(slot);
      if (closing) return;
      const healthy = Date.now() - started > HEALTHY_RUN_MS;
      const next = healthy ? RESTART_DELAY_MS : Math.min(delay * 2, MAX_RESTART_DELAY_MS);
      log(`worker ${slot + 1} ended (${signal ?? `status ${code}`}); starting it again in ${next / 1000} s`);
      setTimeout(() => {
        if (!closing) launch(slot, next);
      }, next).unref();
    });
  };
  for (let slot = 0; slot < count; slot++) launch(slot, RESTART_DELAY_MS / 2);

  return {
    pids: () => [...children.values()].flatMap((child) => (child.pid ? [child.pid] : [])),
    close: async () => {
      closing = true;
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
