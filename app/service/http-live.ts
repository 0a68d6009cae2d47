import type { RawData, WebSocket } from 'ws';
import { toErrorData } from '../errors.js';
import type { Disposable } from '../events.js';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, LIVE_AUTH_TIMEOUT_MS, LiveClientMessageSchema, type LiveServerMessage, type Me } from './contract.js';
import type { CourseService } from './service.js';

/**
 * A viewer that does not read (a stalled tab, a slow link) is closed
 * once this much waits to be sent to it, so it cannot grow the service's
 * memory; it reconnects and replays the run.
 */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const CLOSE_TOO_SLOW = 4008;
const CLOSE_INVALID = 1007;
/** Submissions one socket may follow at once (a page follows one; a TA's tab a few). */
const MAX_WATCHES = 64;

/** One live socket: authenticated by its first message, then watches submissions (and, for a TA, the class). */
export function attachLiveSocket(socket: WebSocket, service: CourseService): void {
  let me: Me | undefined;
  const watches = new Map<string, Promise<Disposable | undefined>>();
  let classWatch: Disposable | undefined;
  const authTimer = setTimeout(() => socket.close(CLOSE_UNAUTHORIZED, 'no auth message'), LIVE_AUTH_TIMEOUT_MS);

  const send = (message: LiveServerMessage): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return void socket.close(CLOSE_TOO_SLOW, 'not reading fast enough; reconnect');
    socket.send(JSON.stringify(message));
  };
  const refuse = (err: unknown): void => send({ t: 'error', error: toErrorData(err) });

  socket.on('message', (raw: RawData, isBinary: boolean) => {
    if (isBinary) return void socket.close(CLOSE_INVALID, 'text frames only');
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawText(raw));
    } catch {
      return void socket.close(CLOSE_INVALID, 'invalid JSON');
    }
    const message = LiveClientMessageSchema.safeParse(parsed);
    if (!message.success) return refuse(new Error(`Malformed message: ${message.error.issues.map((issue) => issue.message).join('; ')}`));
    const data = message.data;
    if (data.t === 'auth') {
      clearTimeout(authTimer);
      me = service.authenticate(data.token);
      if (!me) return void socket.close(CLOSE_UNAUTHORIZED, 'unknown token');
      return send({ t: 'ready', me });
    }
    if (!me) return void socket.close(CLOSE_UNAUTHORIZED, 'send auth first');
    const caller = me;
    if (data.t === 'watch') {
      if (watches.has(data.submission)) return;
      if (watches.size >= MAX_WATCHES) return refuse(new Error(`At most ${MAX_WATCHES} submissions can be followed on one connection.`));
      const submission = data.submission;
      watches.set(
        submission,
        service.watch(caller, submission, (event) => send({ t: 'event', submission, event })).catch((err: unknown) => {
          watches.delete(submission);
          refuse(err);
          return undefined;
        }),
      );
    } else if (data.t === 'unwatch') {
      const watch = watches.get(data.submission);
      watches.delete(data.submission);
      void watch?.then((w) => w?.dispose());
    } else if (data.t === 'watchClass') {
      if (caller.role !== 'ta') return void socket.close(CLOSE_FORBIDDEN, 'TA only');
      classWatch ??= service.watchClass(caller, { onRow: (row) => send({ t: 'class', row }), onQueue: (queue) => send({ t: 'queue', queue }) });
    }
  });
  // an oversized frame (1009), invalid UTF-8 (1007) or a broken connection ends only this socket
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    clearTimeout(authTimer);
    classWatch?.dispose();
    for (const watch of watches.values()) void watch.then((w) => w?.dispose());
    watches.clear();
  });
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}
