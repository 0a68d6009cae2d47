import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CLOSE_UNAUTHORIZED, LIVE_PATH, type LiveClientMessage, type LiveServerMessage } from './contract.js';
import { LiveConnection, ServiceApi, ServiceCallError, type LiveStatus, type OpenLiveSocket } from './http-client.js';

/** The ws package's WebSocket, as the pages' client wants one (the browser's is adapted the same way). */
const openNodeSocket: OpenLiveSocket = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.on('open', () => handlers.open());
  socket.on('message', (raw: Buffer) => handlers.message(raw.toString('utf8')));
  socket.on('close', (code, reason) => handlers.close(code, reason.toString()));
  socket.on('error', () => undefined);
  return socket;
};

const until = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the pages’ service client', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const listen = async (server: Server): Promise<string> => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('sends the token as a Bearer header and turns refusals into the service’s words', async () => {
    const seen: Array<string | undefined> = [];
    const url = await listen(
      createServer((req, res) => {
        seen.push(req.headers.authorization);
        if (req.url === '/api/me') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ student: 'alice', role: 'student' }));
        if (req.url === '/api/class') return void res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'TAs only.', suggestion: 'Ask a TA.' } }));
        res.writeHead(502).end('bad gateway from a proxy');
      }),
    );
    const api = new ServiceApi(`${url}/`, 'tok-123');
    expect(await api.me()).toEqual({ student: 'alice', role: 'student' });
    const refused = await api.classRows().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ServiceCallError);
    expect(refused).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'TAs only.', suggestion: 'Ask a TA.' });
    const proxy = await api.queue().catch((err: unknown) => err);
    expect(proxy).toMatchObject({ status: 502, code: 'INTERNAL' });
    expect((proxy as Error).message).toContain('bad gateway from a proxy');
    expect(seen.every((h) => h === 'Bearer tok-123')).toBe(true);
  });

  it('says which service could not be reached', async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise<void>((r) => server.close(() => r()));
    const err = await new ServiceApi(url, 't').info().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'DISCONNECTED' });
    expect((err as Error).message).toContain(url);
  });

  it('authenticates first, watches after ready, and watches again after the socket drops', async () => {
    const http = createServer();
    const url = await listen(http);
    const wss = new WebSocketServer({ server: http, path: LIVE_PATH });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    const received: LiveClientMessage[][] = [];
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => {
      const mine: LiveClientMessage[] = [];
      received.push(mine);
      sockets.push(ws);
      ws.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString('utf8')) as LiveClientMessage;
        mine.push(message);
        if (message.t === 'auth') ws.send(JSON.stringify({ t: 'ready', me: { student: 'alice', role: 'student' } } satisfies LiveServerMessage));
      });
    });

    const live = new LiveConnection(new ServiceApi(url, 'tok').liveUrl(), 'tok', openNodeSocket);
    cleanups.push(() => live.close());
    const statuses: LiveStatus['state'][] = [];
    const messages: LiveServerMessage['t'][] = [];
    live.onStatus((s) => statuses.push(s.state));
    live.onMessage((m) => messages.push(m.t));
    live.watch('abcdefghij012345');
    live.watchClass();

    await until(() => received[0]?.length === 3, 'the first socket’s three messages');
    expect(received[0]).toEqual([{ t: 'auth', token: 'tok' }, { t: 'watch', submission: 'abcdefghij012345' }, { t: 'watchClass' }]);

    sockets[0]!.close(1012, 'restarting');
    await until(() => received[1]?.length === 3, 'the second socket’s three messages');
    expect(received[1]).toEqual(received[0]);
    expect(statuses).toEqual(['connecting', 'ready', 'lost', 'connecting', 'ready']);
    expect(messages).toEqual(['ready', 'ready']);

    live.unwatch('abcdefghij012345');
    await until(() => received[1]!.length === 4, 'the unwatch');
    expect(received[1]![3]).toEqual({ t: 'unwatch', submission: 'abcdefghij012345' });
  });

  it('stops at a refused token instead of retrying', async () => {
    const http = createServer();
    const url = await listen(http);
    const wss = new WebSocketServer({ server: http, path: LIVE_PATH });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      ws.on('message', () => ws.close(CLOSE_UNAUTHORIZED, 'unknown token'));
    });
    const live = new LiveConnection(new ServiceApi(url, 'bad').liveUrl(), 'bad', openNodeSocket);
    cleanups.push(() => live.close());
    let last: LiveStatus | undefined;
    live.onStatus((s) => (last = s));
    await until(() => last?.state === 'refused', 'the refusal');
    expect(last).toEqual({ state: 'refused', reason: 'unknown token' });
    // longer than the first retry would wait
    await new Promise((r) => setTimeout(r, 1_500));
    expect(connections).toBe(1);
  });
});
