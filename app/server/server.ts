import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { MAX_FILE_CHARS } from '../api/contract.js';
import { WS_PATH } from '../api/wire.js';
import { LabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { sessionHandlers, type HostFeatures } from '../session/handlers.js';
import type { LabSession } from '../session/session.js';
import { bridgeSockets } from './bridge.js';
import { serveStatic } from './static.js';
import { newToken, tokenMatches } from './token.js';

/** Web mode listens on loopback only: the workbench runs the user's code and reads their files. */
export const WEB_HOST = '127.0.0.1';
/**
 * The largest legal call is a file save of MAX_FILE_CHARS characters; JSON
 * spells a control character or a lone surrogate as \uXXXX, 6 bytes, the
 * most any character takes. A larger frame closes only its own connection
 * (1009, see bridge.ts).
 */
export const MAX_MESSAGE_BYTES = MAX_FILE_CHARS * 6 + 64 * 1024;
/** Where `npm run build` puts the renderer. */
export const defaultRendererDir = (): string => join(projectRoot, 'out', 'renderer');

export interface WebServerOptions {
  session: LabSession;
  /** What the host adds to the session's commands (Submit to the course service). */
  host?: HostFeatures;
  /** The built renderer (index.html and assets). */
  staticDir?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface WebServer {
  /** http://127.0.0.1:PORT/TOKEN/ — the page, and under it everything else. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Web mode: the renderer over HTTP and the API over a WebSocket, both
 * under a random token path. Requests without the token, for another
 * host name (DNS rebinding) or from another origin are refused with 403.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const staticDir = resolve(options.staticDir ?? defaultRendererDir());
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new LabError('UI_NOT_BUILT', `The workbench UI is not built (no ${join(staticDir, 'index.html')}).`, 'Build it first: npm run build');
  }
  const token = options.token ?? newToken();
  let port = 0;
  const prefix = `/${token}/`;

  const allowedHost = (req: IncomingMessage): boolean => [`${WEB_HOST}:${port}`, `localhost:${port}`].includes(req.headers.host ?? '');
  const allowedOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || [`http://${WEB_HOST}:${port}`, `http://localhost:${port}`].includes(origin);
  };
  /** The path after the token, or undefined when the token is missing or wrong. */
  const afterToken = (req: IncomingMessage): string | undefined => {
    const path = (req.url ?? '/').split('?')[0]!;
    const given = path.split('/')[1];
    if (!tokenMatches(token, given)) return undefined;
    return path.slice(prefix.length - 1).replace(/^\//, '');
  };

  const refuse = (res: ServerResponse, why: string): void => {
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`403 Forbidden: ${why}\n`);
  };

  const server = createServer((req, res) => {
    if (!allowedHost(req)) return refuse(res, 'unexpected Host header');
    const rest = afterToken(req);
    if (rest === undefined) return refuse(res, 'this URL needs the token that `kshram-lab web` printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 'read-only');
    if ((req.url ?? '').split('?')[0] === prefix.slice(0, -1)) {
      res.writeHead(301, { Location: prefix }).end();
      return;
    }
    void serveStatic(staticDir, rest, res).catch(() => res.destroy());
  });

  // a broken client connection is that client's problem, never the server's
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('error', () => undefined);
  const bridge = bridgeSockets(wss, options.session, sessionHandlers(options.session, options.host));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const rest = afterToken(req);
    if (!allowedHost(req) || !allowedOrigin(req) || rest !== WS_PATH) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new LabError('PORT_IN_USE', `Port ${options.port} is in use.`, 'Choose another with --port, or 0 for any free port.') : err);
    });
    server.listen(options.port ?? 0, WEB_HOST, () => resolvePromise());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${WEB_HOST}:${port}${prefix}`,
    port,
    token,
    close: async () => {
      bridge.dispose();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
