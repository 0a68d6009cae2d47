import { Redis } from 'ioredis';
import { LabError } from '../errors.js';

/**
 * Where the queue lives: `redis://[user:password@]host:port[/db]`,
 * `rediss://...` (TLS), or `unix:///path/to/redis.sock` (the private
 * Redis of `serve`). Every process of the service (the service, its
 * workers, remote workers) connects with these options.
 */
export interface RedisTarget {
  url: string;
  options: RedisAddress;
}

/** Where and how to connect: the options ioredis and BullMQ both take. */
export interface RedisAddress {
  path?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
}

export function parseRedisUrl(url: string): RedisTarget {
  const bad = (why: string): LabError => new LabError('BAD_ARGUMENT', `--redis ${redact(url)}: ${why}.`, 'Give redis://HOST:PORT (rediss:// for TLS, redis://:PASSWORD@HOST:PORT/DB with a password), or unix:///PATH/redis.sock.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (parsed.protocol === 'unix:') {
    if (!parsed.pathname || parsed.pathname === '/') throw bad('no socket path');
    return { url, options: { path: decodeURIComponent(parsed.pathname) } };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw bad(`${parsed.protocol.replace(/:$/, '')} is not redis, rediss or unix`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw bad(`the database "${db}" is not a number`);
  return {
    url,
    options: {
      host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** Connecting takes milliseconds; a Redis that does not answer in this long is not there. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A connection as BullMQ needs it (no per-command retry limit: its
 * blocking commands wait as long as they must); it reconnects by itself.
 */
export function connectRedis(target: RedisTarget, name: string): Redis {
  const redis = new Redis({ ...target.options, connectionName: name, maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS, lazyConnect: true });
  // errors while reconnecting are reported by whoever waits on a command; an unhandled 'error' would end the process
  redis.on('error', () => undefined);
  return redis;
}

/** Connects and pings once, so a wrong URL is reported at start, in words. */
export async function checkRedis(target: RedisTarget, name: string): Promise<Redis> {
  const redis = connectRedis(target, name);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new LabError('QUEUE_UNAVAILABLE', `Cannot reach Redis at ${redact(target.url)}: ${(err as Error).message}`, 'Start Redis there, or leave --redis out to let `kshram-lab serve` run its own.');
  }
}
