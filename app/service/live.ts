import type { Redis } from 'ioredis';
import type { Disposable } from '../events.js';
import type { LiveEvent } from './contract.js';
import { LIVE_CHANNEL, liveStreamKey } from './queue.js';

/**
 * A live run travels through Redis: the worker appends each event to a
 * capped stream per submission (a viewer who comes late replays it) and
 * publishes it on one channel (viewers already watching get it at once).
 * The result itself does not: it goes through the queue into SQLite.
 */

/** Events kept per submission: a whole run with a chatty console is a few hundred. */
const STREAM_MAX_EVENTS = 5_000;
/** A finished run's stream stays this long for late viewers; the result is in SQLite for good. */
export const STREAM_KEEP_SECONDS = 24 * 3600;
/** Console output is sent in batches: one event per this long, not one per byte the UART gives. */
const CONSOLE_BATCH_MS = 50;
/** Console bytes streamed per run; a module that floods the console is cut here (its evidence keeps the end). */
export const MAX_LIVE_CONSOLE_CHARS = 1024 * 1024;

/** One event as it is published: which submission, its stream id, the event. */
interface Published {
  s: string;
  i: string;
  e: LiveEvent;
}

/** The worker's side: appends a run's events in order; every write is awaited by close(). */
export class LivePublisher {
  private chain: Promise<void> = Promise.resolve();
  private consoleBuffer = '';
  private consoleSent = 0;
  private consoleTimer: NodeJS.Timeout | undefined;
  private cut = false;

  constructor(
    private readonly redis: Redis,
    private readonly submission: string,
  ) {}

  /** A new attempt starts from nothing: a late viewer must not replay a dead worker's half run. */
  reset(): Promise<void> {
    return this.enqueue(async () => {
      await this.redis.del(liveStreamKey(this.submission));
    });
  }

  emit(event: LiveEvent): void {
    this.flushConsole();
    void this.enqueue(() => this.append(event));
  }

  console(text: string): void {
    if (this.cut) return;
    if (this.consoleSent + this.consoleBuffer.length + text.length > MAX_LIVE_CONSOLE_CHARS) {
      this.consoleBuffer += text.slice(0, Math.max(0, MAX_LIVE_CONSOLE_CHARS - this.consoleSent - this.consoleBuffer.length));
      this.consoleBuffer += `\r\n[kshram-lab: the console printed more than ${MAX_LIVE_CONSOLE_CHARS / 1024 / 1024} MiB; the rest is not streamed]\r\n`;
      this.cut = true;
      this.flushConsole();
      return;
    }
    this.consoleBuffer += text;
    this.consoleTimer ??= setTimeout(() => this.flushConsole(), CONSOLE_BATCH_MS);
  }

  /** Sends what is buffered, waits for every write, and lets the stream expire. */
  async close(): Promise<void> {
    this.flushConsole();
    await this.enqueue(async () => {
      await this.redis.expire(liveStreamKey(this.submission), STREAM_KEEP_SECONDS);
    });
  }

  private flushConsole(): void {
    clearTimeout(this.consoleTimer);
    this.consoleTimer = undefined;
    if (!this.consoleBuffer) return;
    const data = this.consoleBuffer;
    this.consoleSent += data.length;
    this.consoleBuffer = '';
    void this.enqueue(() => this.append({ name: 'console.data', payload: { data } }));
  }

  private async append(event: LiveEvent): Promise<void> {
    const id = await this.redis.xadd(liveStreamKey(this.submission), 'MAXLEN', '~', STREAM_MAX_EVENTS, '*', 'e', JSON.stringify(event));
    if (id) await this.redis.publish(LIVE_CHANNEL, JSON.stringify({ s: this.submission, i: id, e: event } satisfies Published));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    // a live view is best effort: a Redis hiccup loses an event, never the grade
    this.chain = this.chain.then(step).catch(() => undefined);
    return this.chain;
  }
}

/** "1712345678901-3" ordered as Redis orders stream ids. */
export function streamIdAfter(a: string, b: string | undefined): boolean {
  if (b === undefined) return true;
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am > bm : as > bs;
}

type Listener = (event: LiveEvent) => void;

interface Watch {
  listener: Listener;
  /** The last stream id delivered; nothing at or before it is delivered again. */
  lastId?: string;
  /** Events that came on the channel while the replay was read. */
  pending?: Array<{ id: string; event: LiveEvent }>;
}

/**
 * The service's side: one subscriber connection for all live runs, and
 * per watcher a replay of the stream first, then the published events,
 * each delivered once and in order.
 */
export class LiveHub {
  private readonly watches = new Map<string, Set<Watch>>();

  private constructor(
    private readonly subscriber: Redis,
    private readonly reader: Redis,
  ) {}

  /** `subscriber` becomes a subscribe-only connection; `reader` is used for replays. */
  static async start(subscriber: Redis, reader: Redis): Promise<LiveHub> {
    const hub = new LiveHub(subscriber, reader);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === LIVE_CHANNEL) hub.onPublished(message);
    });
    await subscriber.subscribe(LIVE_CHANNEL);
    return hub;
  }

  /** Replays the submission's run so far, then follows it. */
  async watch(submission: string, listener: Listener): Promise<Disposable> {
    const watch: Watch = { listener, pending: [] };
    let set = this.watches.get(submission);
    if (!set) this.watches.set(submission, (set = new Set()));
    set.add(watch);
    const dispose = (): void => {
      set.delete(watch);
      if (!set.size && this.watches.get(submission) === set) this.watches.delete(submission);
    };
    try {
      await this.catchUp(submission, watch);
    } finally {
      const pending = watch.pending ?? [];
      watch.pending = undefined;
      for (const { id, event } of pending) this.deliver(watch, id, event);
    }
    return { dispose };
  }

  /** Delivers whatever the stream holds that watchers have not seen yet (before the service says the run is over). */
  async drain(submission: string): Promise<void> {
    for (const watch of this.watches.get(submission) ?? []) await this.catchUp(submission, watch).catch(() => undefined);
  }

  /** An event of the service's own (state, the stored result): to current watchers, not into the stream. */
  local(submission: string, event: LiveEvent): void {
    for (const watch of this.watches.get(submission) ?? []) watch.listener(event);
  }

  watching(submission: string): boolean {
    return this.watches.has(submission);
  }

  private async catchUp(submission: string, watch: Watch): Promise<void> {
    const start = watch.lastId ? `(${watch.lastId}` : '-';
    const entries = await this.reader.xrange(liveStreamKey(submission), start, '+');
    for (const [id, fields] of entries) {
      const json = fields[fields.indexOf('e') + 1];
      if (json) this.deliver(watch, id, JSON.parse(json) as LiveEvent);
    }
  }

  private onPublished(message: string): void {
    let published: Published;
    try {
      published = JSON.parse(message) as Published;
    } catch {
      return;
    }
    for (const watch of this.watches.get(published.s) ?? []) {
      if (watch.pending) watch.pending.push({ id: published.i, event: published.e });
      else this.deliver(watch, published.i, published.e);
    }
  }

  private deliver(watch: Watch, id: string, event: LiveEvent): void {
    if (!streamIdAfter(id, watch.lastId)) return;
    watch.lastId = id;
    watch.listener(event);
  }

  async close(): Promise<void> {
    this.watches.clear();
    await this.subscriber.quit().catch(() => undefined);
  }
}
