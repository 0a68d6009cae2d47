import { WebSocket } from 'ws';
import type { WireMessage } from '../../api/wire.js';

/** Opens a WebSocket; resolves with it once open, rejects with the HTTP status of a refused upgrade. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A tiny client of the web bridge: numbered calls, replies matched by id. */
export function caller(ws: WebSocket) {
  let next = 1;
  const waiting = new Map<number, (m: WireMessage) => void>();
  ws.on('message', (raw) => {
    const message = JSON.parse((raw as Buffer).toString('utf8')) as WireMessage;
    if (message.t === 'reply') waiting.get(message.id)?.(message);
  });
  return (name: string, args: unknown): Promise<WireMessage & { t: 'reply' }> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve as (m: WireMessage) => void);
      ws.send(JSON.stringify({ t: 'call', id, name, args }));
    });
}
