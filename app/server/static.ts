import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/**
 * The same policy as the Electron window: only our own scripts, styles
 * inline (Monaco sets them), workers from our files, the WebSocket back to
 * this server, nothing else.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves a file of the built renderer. `relPath` is what follows the token
 * in the URL; anything that would leave `root` is not found.
 */
export async function serveStatic(root: string, relPath: string, res: ServerResponse): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relPath);
  } catch {
    return notFound(res);
  }
  const path = normalize(join(root, decoded === '' || decoded.endsWith('/') ? `${decoded}index.html` : decoded));
  if (decoded.includes('\0') || (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep))) return notFound(res);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return notFound(res);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // hashed asset names never change; the page itself must always be fresh
    'Cache-Control': path.endsWith('.html') ? 'no-store' : 'private, max-age=31536000, immutable',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  createReadStream(path).pipe(res);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
}
