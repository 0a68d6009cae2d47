import { WebSocket, type RawData, type WebSocketServer } from 'ws';
import type { ApiEvent } from '../api/contract.js';
import { dispatch, type Handlers } from '../api/dispatch.js';
import { CLOSE_SUPERSEDED, WireCallSchema, type WireMessage } from '../api/wire.js';
import type { Disposable } from '../events.js';
import type { LabSession } from '../session/session.js';

const CLOSE_UNSUPPORTED = 1003;
const CLOSE_INVALID = 1007;

/**
 * The WebSocket transport of the API. One socket is the UI at a time: a
 * newer tab takes over and the older one is told why, so two terminals
 * never type into one console or both acknowledge its output.
 */
export function bridgeSockets(wss: WebSocketServer, session: LabSession, handlers: Handlers): Disposable {
  let active: WebSocket | undefined;

  const send = (ws: WebSocket, message: WireMessage): void => {
    // a socket can close between an event and its delivery
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };

  const onConnection = (ws: WebSocket): void => {
    if (active) {
      send(active, { t: 'closing', reason: 'The workbench was opened in another tab or window.' });
      active.close(CLOSE_SUPERSEDED, 'superseded');
    }
    active = ws;
    session.clientConnected();
    const events = session.onEvent((event: ApiEvent) => {
      if (ws === active) send(ws, { t: 'event', ...event });
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return ws.close(CLOSE_UNSUPPORTED, 'text frames only');
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawText(raw));
      } catch {
        return ws.close(CLOSE_INVALID, 'invalid JSON');
      }
      const call = WireCallSchema.safeParse(parsed);
      if (!call.success) {
        const id = (parsed as { id?: unknown } | null)?.id;
        if (typeof id !== 'number') return ws.close(CLOSE_INVALID, 'not a call');
        return send(ws, { t: 'reply', id, ok: false, error: { code: 'BAD_ARGUMENT', message: `Malformed call: ${call.error.issues.map((i) => i.message).join('; ')}` } });
      }
      if (ws !== active) return send(ws, { t: 'reply', id: call.data.id, ok: false, error: { code: 'DISCONNECTED', message: 'This tab was replaced by a newer one.' } });
      void dispatch(handlers, call.data.name, call.data.args).then((reply) => send(ws, { t: 'reply', id: call.data.id, ...reply }));
    });
    // ws reports an oversized frame (1009), invalid UTF-8 (1007) or a broken socket here and closes only
    // this connection; without a listener the error would be thrown and end the whole server
    ws.on('error', (err: Error & { code?: string }) => {
      process.emitWarning(`web mode: a connection was closed: ${err.message}`, { code: 'KSHRAM_LAB_WS_ERROR' });
    });
    ws.on('close', () => {
      events.dispose();
      if (active === ws) active = undefined;
    });
  };

  wss.on('connection', onConnection);
  return { dispose: () => wss.off('connection', onConnection) };
}

/** A frame's bytes as text, whichever of its three shapes ws hands over. */
function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}
