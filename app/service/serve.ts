import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { processAlive } from '../process.js';
import { startHttpFront, type HttpFront } from './http.js';
import { startNcFront, type NcFront } from './nc.js';
import { parseRedisUrl, redact, type RedisTarget } from './redis.js';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';
import { CourseService } from './service.js';
import { startWorkerPool, type WorkerPool } from './worker-pool.js';

/** Marks a data folder as in use by one `serve` (two would share one private Redis socket and SQLite writer). */
const PID_FILE = 'serve.pid';

export interface ServeOptions {
  dataDir: string;
  listen: string;
  httpPort: number;
  /** undefined: no nc front. */
  ncPort?: number;
  /** undefined: a private redis-server in the data folder. */
  redisUrl?: string;
  workers: number;
  powBits: number;
  kit?: string;
  version: string;
  pagesDir?: string;
  rateLimit?: { submissions: number; windowMs: number };
  /** nc connections one address may hold at once (default MAX_CONNECTIONS_PER_ADDRESS of nc.ts). */
  ncPerAddress?: number;
  log: (line: string) => void;
}

export interface RunningService {
  service: CourseService;
  httpUrl: string;
  ncPort?: number;
  redis: RedisTarget;
  /** The private Redis's pid (undefined with --redis). */
  redisPid?: number;
  workers: WorkerPool;
  /** Stops taking connections, puts running grades back in the queue, flushes Redis; the data folder keeps everything. */
  close(): Promise<void>;
}

/**
 * `kshram-lab serve`: the private Redis (unless --redis), the service,
 * its HTTP and nc fronts, and its workers, started in that order and
 * stopped in the reverse. Whatever fails half way, what was started is
 * stopped again.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const dataDir = resolve(options.dataDir);
  const releaseLock = lockDataDir(dataDir);
  const undo: Array<() => Promise<void>> = [async () => releaseLock()];
  const stop = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch((err: Error) => options.log(`while stopping: ${err.message}`));
    undo.length = 0;
  };
  try {
    let privateRedis: PrivateRedis | undefined;
    let redis: RedisTarget;
    if (options.redisUrl) redis = parseRedisUrl(options.redisUrl);
    else {
      privateRedis = await startPrivateRedis(dataDir);
      undo.push(() => privateRedis!.stop());
      redis = privateRedis.target;
    }
    options.log(`queue: Redis at ${redact(redis.url)}${privateRedis ? ` (private, pid ${privateRedis.pid})` : ''}`);
    const service = await CourseService.start({ dataDir, redis, kit: options.kit, version: options.version, rateLimit: options.rateLimit, log: options.log });
    undo.push(() => service.close());
    const http: HttpFront = await startHttpFront({ service, host: options.listen, port: options.httpPort, pagesDir: options.pagesDir });
    undo.push(() => http.close());
    let nc: NcFront | undefined;
    if (options.ncPort !== undefined) {
      nc = await startNcFront(service, options.listen, options.ncPort, options.powBits, options.ncPerAddress);
      undo.push(() => nc!.close());
      service.ncPort = nc.port;
    }
    const workers = startWorkerPool(options.workers, redis, options.log);
    undo.push(() => workers.close());
    return { service, httpUrl: http.url, ...(nc ? { ncPort: nc.port } : {}), redis, ...(privateRedis ? { redisPid: privateRedis.pid } : {}), workers, close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Refuses a data folder another live `serve` uses; takes over one whose `serve` is gone. */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, PID_FILE);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    // no lock
  }
  if (holder && holder !== process.pid && processAlive(holder)) {
    throw new LabError('BUSY', `Another kshram-lab serve (pid ${holder}) uses the data folder ${dataDir}.`, 'Stop it first, or give this one another --data folder.');
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
