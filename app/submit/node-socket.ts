import { WebSocket } from 'ws';
import type { OpenLiveSocket } from '../service/http-client.js';

/**
 * The ws package's WebSocket as the service client's live connection wants
 * it (the pages hand it the browser's). No Origin header is sent: the
 * service takes a socket without one, as web mode does, from a program.
 */
export const openNodeSocket: OpenLiveSocket = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.on('open', () => handlers.open());
  socket.on('message', (raw: Buffer, isBinary: boolean) => {
    if (!isBinary) handlers.message(raw.toString('utf8'));
  });
  socket.on('close', (code, reason) => handlers.close(code, reason.toString('utf8')));
  // a refused or dropped connection ends in 'close' too; without a listener this would throw
  socket.on('error', () => undefined);
  return socket;
};
