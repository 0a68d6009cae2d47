import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabSession } from '../session/session.js';
import { startWebServer, type WebServer } from './server.js';
import { caller, connect } from './testing/ws-client.js';

/** A real HTTP GET; resolves with status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web mode server', () => {
  let root: string;
  let workspace: string;
  let session: LabSession;
  let server: WebServer;
  let wsUrl: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kshram-web-test-'));
    const ui = join(root, 'ui');
    await mkdir(join(ui, 'assets'), { recursive: true });
    await writeFile(join(ui, 'index.html'), '<!doctype html><title>kshram lab</title>');
    await writeFile(join(ui, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(root, 'secret.txt'), 'outside the workspace');
    workspace = join(root, 'ws');
    session = new LabSession({ kit: 'debian-6.1' });
    server = await startWebServer({ session, staticDir: ui });
    wsUrl = `${server.url.replace('http:', 'ws:')}ws`;
  });

  afterAll(async () => {
    await server.close();
    await session.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses to start without a built UI, or on a port that is taken, each with its own code', async () => {
    await expect(startWebServer({ session, staticDir: join(root, 'no-ui') })).rejects.toMatchObject({ code: 'UI_NOT_BUILT' });
    await expect(startWebServer({ session, staticDir: join(root, 'ui'), port: server.port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('binds to 127.0.0.1 with a long random token in the URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
  });

  it('serves the UI only under the token', async () => {
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('kshram lab');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await get(`${server.url}assets/app.js`)).status).toBe(200);

    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/', '/index.html', '/assets/app.js', `/${'x'.repeat(server.token.length)}/`, `/${server.token.slice(0, -1)}/`]) {
      const res = await get(base + path);
      expect(res.status, path).toBe(403);
      expect(res.body).not.toContain('kshram lab</title>');
    }
  });

  it('refuses other Host names (DNS rebinding) and paths out of the UI folder', async () => {
    expect((await get(server.url, { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(`${server.url}..%2Fsecret.txt`)).status).toBe(404);
    expect((await get(`${server.url}assets/..%2F..%2Fsecret.txt`)).status).toBe(404);
  });

  it('refuses WebSockets without the token or from another origin', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow('HTTP 403');
    await expect(connect(`ws://127.0.0.1:${server.port}/${'A'.repeat(32)}/ws`)).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    const ws = await connect(wsUrl, { Origin: `http://127.0.0.1:${server.port}` });
    ws.close();
  });

  it('creates a workspace, confines paths to it and saves atomically', async () => {
    const ws = await connect(wsUrl);
    const call = caller(ws);
    try {
      const created = await call('workspace.create', { dir: workspace, template: 'starter' });
      expect(created.ok).toBe(true);
      expect(await readdir(workspace)).toEqual(['Makefile', 'kshram.c', 'kshram.h']);

      const read = await call('file.read', { path: 'kshram.c' });
      expect(read.ok && (read.value as { content: string }).content).toContain('TODO (spec 1)');

      for (const path of ['../secret.txt', join(root, 'secret.txt'), '/etc/passwd', 'sub/../../secret.txt']) {
        const refused = await call('file.read', { path });
        expect(refused, path).toMatchObject({ ok: false, error: { code: 'PATH_OUTSIDE_WORKSPACE' } });
        expect(!refused.ok && refused.error.message).toContain('outside the workspace');
      }
      await symlink(join(root, 'secret.txt'), join(workspace, 'link.txt'));
      expect(await call('file.read', { path: 'link.txt' })).toMatchObject({ ok: false, error: { code: 'PATH_OUTSIDE_WORKSPACE' } });
      expect(await call('file.save', { path: 'link.txt', content: 'overwrite' })).toMatchObject({ ok: false, error: { code: 'PATH_OUTSIDE_WORKSPACE' } });
      expect(await call('file.save', { path: '../secret.txt', content: 'overwrite' })).toMatchObject({ ok: false, error: { code: 'PATH_OUTSIDE_WORKSPACE' } });
      expect(await readFile(join(root, 'secret.txt'), 'utf8')).toBe('outside the workspace');

      const saved = await call('file.save', { path: 'kshram.c', content: '// edited\n' });
      expect(saved.ok).toBe(true);
      expect(await readFile(join(workspace, 'kshram.c'), 'utf8')).toBe('// edited\n');
      // temp file renamed over the original, nothing left beside it
      expect((await readdir(workspace)).sort()).toEqual(['Makefile', 'kshram.c', 'kshram.h', 'link.txt']);
    } finally {
      ws.close();
    }
  });

  it('rejects calls that do not match the schema, with a message', async () => {
    const ws = await connect(wsUrl);
    const call = caller(ws);
    try {
      const cases: Array<[string, unknown, RegExp]> = [
        ['file.save', { path: 'kshram.c', content: 42 }, /content/],
        ['file.save', { path: 'kshram.c' }, /content/],
        ['console.resize', { cols: 0, rows: 24 }, /cols/],
        ['vm.boot', { cols: 80, rows: 24, loadModule: true, extra: 1 }, /extra/],
        ['workspace.create', { dir: workspace, template: 'solution' }, /template/],
        ['no.such.command', {}, /Unknown command/],
        ['constructor', {}, /Unknown command/],
      ];
      for (const [name, args, message] of cases) {
        const reply = await call(name, args);
        expect(reply, name).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
        expect(!reply.ok && reply.error.message, name).toMatch(message);
      }
    } finally {
      ws.close();
    }
  });

  it('hands the session to the newest tab and tells the old one', async () => {
    const first = await connect(wsUrl);
    const closed = new Promise<number>((resolve) => first.once('close', (code) => resolve(code)));
    const second = await connect(wsUrl);
    expect(await closed).toBe(4001);
    const reply = await caller(second)('app.info', {});
    expect(reply).toMatchObject({ ok: true, value: { canPickFolder: false, consoleAckChars: 5000 } });
    second.close();
  });
});
