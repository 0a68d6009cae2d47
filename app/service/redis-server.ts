import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { withParentDeathSignal } from '../process.js';
import type { RedisTarget } from './redis.js';
import { parseRedisUrl } from './redis.js';

/** The private Redis's folder inside the service's data folder (its AOF files and socket). */
export const REDIS_DIR = 'redis';
const REDIS_SERVER = 'redis-server';
/** A unix socket path longer than this does not fit sockaddr_un (108 bytes with its NUL): use a loopback port. */
const MAX_SOCKET_PATH = 100;
/** redis-server loads its AOF and answers within a second; a large AOF takes longer. */
const START_TIMEOUT_MS = 30_000;
/** SHUTDOWN writes the AOF and exits in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;
const READY_LINE = /ready to accept connections/i;

export interface PrivateRedis {
  target: RedisTarget;
  pid: number;
  /** Flushes the AOF (SHUTDOWN) and waits for the server to exit. */
  stop(): Promise<void>;
}

/**
 * The embedded default of `serve`: Debian's redis-server, run by the
 * service in its data folder, ended with it (a graceful SHUTDOWN, and the
 * kernel's parent-death signal if the service is killed). Its queue
 * persists in an append-only file (fsync every second); RDB snapshots are
 * off (`save ""`), the AOF is the one copy. It listens on a unix socket in
 * the data folder, only on a loopback port where the path is too long.
 */
export async function startPrivateRedis(dataDir: string): Promise<PrivateRedis> {
  const dir = join(dataDir, REDIS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socket = join(dir, 'redis.sock');
  const useSocket = Buffer.byteLength(socket) <= MAX_SOCKET_PATH;
  const port = useSocket ? 0 : await freeLoopbackPort();
  if (useSocket) await rm(socket, { force: true });
  const args = [
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--bind', '127.0.0.1',
    '--port', String(port),
    ...(useSocket ? ['--unixsocket', socket, '--unixsocketperm', '700'] : []),
    '--daemonize', 'no',
    // BullMQ needs every key kept: a queue that evicts jobs loses submissions
    '--maxmemory-policy', 'noeviction',
    '--loglevel', 'notice',
    '--logfile', '',
  ];
  const [command, wrapped] = withParentDeathSignal(REDIS_SERVER, args);
  const child = spawn(command, wrapped, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`it did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LabError('QUEUE_UNAVAILABLE', `The private Redis (redis-server in ${dir}) failed: ${why}.${log.length ? `\n${log.slice(-5).join('\n')}` : ''}`, 'Install redis-server (npm run setup does), or give a running Redis with --redis redis://HOST:PORT.'));
    };
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      log.push(...text.split('\n').filter(Boolean));
      if (log.length > 50) log.splice(0, log.length - 50);
      if (READY_LINE.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? 'redis-server is not installed' : err.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `status ${code}`})`));
  });
  // keep draining its output, or a chatty server would block on a full pipe
  child.stdout.resume();
  child.stderr.resume();
  const target = parseRedisUrl(useSocket ? `unix://${socket}` : `redis://127.0.0.1:${port}`);
  return { target, pid: child.pid!, stop: () => stopRedis(child) };
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM is redis-server's SHUTDOWN: it fsyncs the AOF and exits
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
