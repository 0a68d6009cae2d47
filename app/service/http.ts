import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { LabError, toErrorData } from '../errors.js';
import { projectRoot } from '../paths.js';
import { CONTENT_SECURITY_POLICY } from '../server/static.js';
import { ERROR_STATUS, LIVE_PATH, MAX_LIVE_MESSAGE_BYTES, MAX_UPLOAD_BYTES, PAGES_BUILD_DIR, REQUEST_SCHEMAS, SERVICE_ROUTES, STUDENT_PAGE_PATH, TA_PAGE_PATH, type ErrorBody, type Me, type RouteResponses, type ServiceError } from './contract.js';
import { attachLiveSocket } from './http-live.js';
import type { CourseService } from './service.js';
import { bearerToken } from './tokens.js';
import { tooLarge } from './upload.js';

/** JSON bodies (regrade) are tiny; uploads come as multipart, capped on their own. */
const MAX_JSON_BODY_BYTES = 16 * 1024;
/** A browser's page refers to its assets for ever once cached; pages themselves never are. */
const IMMUTABLE_ASSETS = 'private, max-age=31536000, immutable';

export interface HttpFrontOptions {
  service: CourseService;
  host: string;
  port: number;
  /** The built pages (the second renderer entry); PAGES_BUILD_DIR by default. */
  pagesDir?: string;
}

export interface HttpFront {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The service over HTTP: the JSON API of contract.ts, the live-run
 * WebSocket, and the student and TA pages. On a loopback address only
 * loopback Host names are answered (DNS rebinding), on any address a
 * request with an Origin must come from the service's own page.
 */
export async function startHttpFront(options: HttpFrontOptions): Promise<HttpFront> {
  const { service } = options;
  // closing ends every connection, also a client's that never finishes its request (a stopped service waits for nobody)
  const app = Fastify({ logger: false, bodyLimit: MAX_JSON_BODY_BYTES, trustProxy: false, forceCloseConnections: true });
  let port = options.port;
  const loopback = LOOPBACK_HOSTS.has(options.host) || options.host.startsWith('127.');
  const allowedHost = (host: string | undefined): boolean => {
    if (!host) return false;
    if (!loopback) return true;
    const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return LOOPBACK_HOSTS.has(name) || (isIP(name) === 4 && name.startsWith('127.')) ? host.endsWith(`:${port}`) : false;
  };
  const allowedOrigin = (origin: string | undefined, host: string | undefined): boolean => origin === undefined || origin === `http://${host}` || origin === `https://${host}`;

  app.addHook('onRequest', async (request, reply) => {
    const refusal = !allowedHost(request.headers.host) ? 'Unexpected Host header.' : !allowedOrigin(request.headers.origin, request.headers.host) ? 'Requests from another site are refused.' : undefined;
    if (!refusal) return;
    if (request.headers.upgrade) {
      // a refused WebSocket: answer on the raw socket and close it (an upgrade's socket is not the HTTP server's to close later)
      reply.hijack();
      request.raw.socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    return sendError(reply, { code: 'FORBIDDEN', message: refusal, suggestion: 'Open the service by the address it listens on.' });
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof LabError) return sendError(reply, error.toJSON());
    if (error.statusCode === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE') return sendError(reply, tooLarge('The upload').toJSON());
    if (error.statusCode && error.statusCode < 500) return sendError(reply, { code: 'BAD_ARGUMENT', message: error.message });
    return sendError(reply, toErrorData(error));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, { code: 'NOT_FOUND', message: `No such page: ${request.url.split('?')[0]}` }));

  await app.register(fastifyMultipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, parts: 5 } });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_LIVE_MESSAGE_BYTES },
    // closing the service ends live sockets at once: a viewer reconnects and replays its run
    preClose(done) {
      for (const client of this.websocketServer.clients) client.terminate();
      this.websocketServer.close(() => done());
    },
  });

  const me = (request: FastifyRequest): Me => {
    const found = service.authenticate(bearerToken(request.headers.authorization));
    if (!found) throw new LabError('UNAUTHORIZED', request.headers.authorization ? 'That token is not known here (or was revoked).' : 'Sign in with your token.', 'Ask your TA for a token (kshram-lab token add NAME).');
    return found;
  };
  const ok = <K extends keyof RouteResponses>(reply: FastifyReply, _route: K, body: RouteResponses[K], status = 200): FastifyReply => reply.code(status).header('Cache-Control', 'no-store').send(body);

  app.get(SERVICE_ROUTES.info.path, async (_request, reply) => ok(reply, 'info', service.info()));
  app.get(SERVICE_ROUTES.me.path, async (request, reply) => ok(reply, 'me', me(request)));
  app.post(SERVICE_ROUTES.submit.path, async (request, reply) => {
    const caller = me(request);
    if (!request.isMultipart()) throw new LabError('BAD_ARGUMENT', 'Send the file as multipart/form-data, in a field named "file".');
    const part = await request.file();
    if (!part) throw new LabError('BAD_ARGUMENT', 'The upload has no file.', 'Choose a file (kshram.ko, kshram.c, or an archive) and send it again.');
    const data = await part.toBuffer();
    // over the limit the part stops at it, marked truncated (for some uploads without an error)
    if (part.file.truncated) throw tooLarge(part.filename || 'The upload');
    const outcome = await service.submit(caller, { fileName: part.filename, data, via: 'http' });
    return ok(reply, 'submit', outcome, outcome.duplicate ? 200 : 201);
  });
  app.get(SERVICE_ROUTES.history.path, async (request, reply) => {
    const query = parse(REQUEST_SCHEMAS.history, request.query);
    return ok(reply, 'history', service.history(me(request), query.student));
  });
  app.get(SERVICE_ROUTES.submission.path, async (request, reply) => {
    const { id } = parse(REQUEST_SCHEMAS.submission, request.params);
    return ok(reply, 'submission', service.detail(me(request), id));
  });
  app.get(SERVICE_ROUTES.file.path, async (request, reply) => {
    const { id } = parse(REQUEST_SCHEMAS.submission, request.params);
    const file = await service.file(me(request), id);
    return reply.header('Content-Type', 'application/octet-stream').header('Content-Disposition', `attachment; filename="${file.fileName}"`).header('Cache-Control', 'no-store').send(file.data);
  });
  app.get(SERVICE_ROUTES.classRows.path, async (request, reply) => ok(reply, 'classRows', service.classRows(me(request))));
  app.get(SERVICE_ROUTES.classCsv.path, async (request, reply) => {
    const csv = service.classCsv(me(request));
    return reply.header('Content-Type', 'text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="results.csv"').header('Cache-Control', 'no-store').send(csv);
  });
  app.get(SERVICE_ROUTES.queue.path, async (request, reply) => ok(reply, 'queue', await service.queueState(me(request))));
  app.post(SERVICE_ROUTES.regrade.path, async (request, reply) => {
    const caller = me(request);
    const body = parse(REQUEST_SCHEMAS.regrade, request.body ?? {});
    return ok(reply, 'regrade', { queued: await service.regrade(caller, body.student) });
  });

  app.get(SERVICE_ROUTES.metrics.path, async (_request, reply) => ok(reply, 'metrics', await service.metrics()));

  app.get(LIVE_PATH, { websocket: true }, (socket) => attachLiveSocket(socket, service));

  await servePages(app, resolve(options.pagesDir ?? join(projectRoot, PAGES_BUILD_DIR)));

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new LabError('BAD_ARGUMENT', `Port ${options.port} on ${options.host} is in use.`, 'Choose another with --http-port, or 0 for any free port.');
    throw err;
  }
  port = (app.server.address() as { port: number }).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}`,
    port,
    close: async () => {
      await app.close();
    },
  };
}

function sendError(reply: FastifyReply, error: ServiceError): FastifyReply {
  const body: ErrorBody = { error };
  return reply.code(ERROR_STATUS[error.code] ?? 400).header('Cache-Control', 'no-store').send(body);
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new LabError('BAD_ARGUMENT', parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** The pages at / (students) and /ta (TAs), a submission's link at /s/ID, their assets beside them; the same CSP as web mode. */
async function servePages(app: FastifyInstance, pagesDir: string): Promise<void> {
  const built = existsSync(join(pagesDir, 'index.html'));
  const page = (file: string) => async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!built) {
      return reply
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
        .send(`<!doctype html><title>kshram lab service</title><p>The service runs; its pages are not built here (no ${pagesDir}/index.html). Build them with <code>npm run build</code>. The API: <a href="/api/info">/api/info</a>.</p>\n`);
    }
    return reply.header('Cache-Control', 'no-store').header('Content-Security-Policy', CONTENT_SECURITY_POLICY).sendFile(existsSync(join(pagesDir, file)) ? file : 'index.html');
  };
  if (built) {
    await app.register(fastifyStatic, {
      root: pagesDir,
      prefix: '/',
      index: false,
      wildcard: true,
      setHeaders: (reply: FastifyReply) => {
        reply.header('Cache-Control', IMMUTABLE_ASSETS).header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('X-Content-Type-Options', 'nosniff');
      },
    });
  }
  app.get(STUDENT_PAGE_PATH, page('index.html'));
  app.get(TA_PAGE_PATH, page('ta.html'));
  app.get('/s/:id', page('index.html'));
}
