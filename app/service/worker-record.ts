import type { Redis } from 'ioredis';
import type { WorkerState } from './contract.js';
import { LOCK_DURATION_MS, MAX_STALLED_COUNT, STALLED_INTERVAL_MS, WORKERS_KEY, workerKey } from './queue.js';

/** The BullMQ worker settings every grade worker runs with (queue.ts says why each is what it is). */
export const GRADE_QUEUE_SETTINGS = { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: MAX_STALLED_COUNT } as const;

/** A worker writes its record this often. */
export const HEARTBEAT_MS = 5_000;
/** A record not refreshed for this long is gone from Redis; the worker is shown as dead before that. */
export const WORKER_RECORD_TTL_SECONDS = 60;
/** Three missed heartbeats: the worker is not alive. */
const ALIVE_WITHIN_MS = 3 * HEARTBEAT_MS;

/** What a worker says about itself (WorkerState without the service's verdict on it). */
export type WorkerRecord = Omit<WorkerState, 'alive'>;

/** Every worker that reported within the record's lifetime, newest heartbeat first. */
export async function readWorkers(redis: Redis): Promise<WorkerState[]> {
  const now = Date.now();
  // forget workers whose records have expired
  await redis.zremrangebyscore(WORKERS_KEY, '-inf', now - WORKER_RECORD_TTL_SECONDS * 1000);
  const ids = await redis.zrevrange(WORKERS_KEY, 0, -1);
  if (!ids.length) return [];
  const records = await redis.mget(ids.map(workerKey));
  return records.flatMap((json) => {
    if (!json) return [];
    const record = JSON.parse(json) as WorkerRecord;
    return [{ ...record, alive: now - record.lastSeenAt < ALIVE_WITHIN_MS }];
  });
}
