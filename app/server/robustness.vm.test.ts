import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { MAX_FILE_CHARS } from '../api/contract.js';
import { LabSession } from '../session/session.js';
import { startWebServer, type WebServer } from './server.js';
import { caller, connect } from './testing/ws-client.js';

/**
 * "At once": the refusal is a check of the path, a round trip in
 * milliseconds; what it guards against (walking /proc, writing into /dev)
 * takes far longer or never ends. Seconds on a host whose two cores are
 * busy with VMs are still at once.
 */
const REFUSAL_MS = 10_000;

/**
 * Web mode under hostile or careless input: frames the server must survive,
 * files that must not be saved into a state they cannot leave, folders a
 * workspace must not be, and a build that must not read the host's files.
 */
const SECRET = 'kshram-web-sandbox-secret-41c9';

const closeCode = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

describe('web mode survives hostile input', () => {
  let root: string;
  let session: LabSession;
  let server: WebServer;
  let wsUrl: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kshram-web-robust-'));
    const ui = join(root, 'ui');
    await mkdir(ui);
    await writeFile(join(ui, 'index.html'), '<!doctype html><title>kshram lab</title>');
    await mkdir(join(root, 'private'));
    await writeFile(join(root, 'private', 'secret.txt'), `${SECRET}\n`);
    await chmod(join(root, 'private', 'secret.txt'), 0o600);
    session = new LabSession({ kit: 'debian-6.1' });
    server = await startWebServer({ session, staticDir: ui });
    wsUrl = `${server.url.replace('http:', 'ws:')}ws`;
  });

  afterAll(async () => {
    await server.close();
    await session.dispose();
    await rm(root, { recursive: true, force: true });
  });

  const stillAnswers = async (): Promise<void> => {
    const ws = await connect(wsUrl);
    expect(await caller(ws)('app.info', {})).toMatchObject({ ok: true });
    ws.close();
  };

  it('closes only the connection that sends invalid UTF-8 (1007), and keeps answering', async () => {
    const ws = await connect(wsUrl);
    const closed = closeCode(ws);
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    await stillAnswers();
  });

  it('closes only the connection that sends an 8 MB frame (1009), and keeps answering', async () => {
    const ws = await connect(wsUrl);
    const closed = closeCode(ws);
    ws.send('x'.repeat(8 * 1000 * 1000));
    expect(await closed).toBe(1009);
    await stillAnswers();
  });

  it('saves the largest legal file even when JSON spells every character as \\uXXXX', async () => {
    const ws = await connect(wsUrl);
    const call = caller(ws);
    try {
      expect(await call('workspace.create', { dir: join(root, 'big'), template: 'starter' })).toMatchObject({ ok: true });
      const content = '\u0001'.repeat(MAX_FILE_CHARS);
      expect(await call('file.save', { path: 'notes.h', content })).toMatchObject({ ok: true });
      expect(await call('file.read', { path: 'notes.h' })).toMatchObject({ ok: true, value: { content } });
    } finally {
      ws.close();
    }
  });

  it('refuses, with a reason, a file it could save but never open or build again, and a read-only one; a failed mkdir is no bug', async () => {
    const dir = join(root, 'limits');
    const ws = await connect(wsUrl);
    const call = caller(ws);
    try {
      expect(await call('workspace.create', { dir, template: 'starter' })).toMatchObject({ ok: true });
      const before = await readFile(join(dir, 'kshram.c'), 'utf8');
      const emoji = await call('file.save', { path: 'kshram.c', content: '😀'.repeat(MAX_FILE_CHARS / 2) });
      expect(emoji).toMatchObject({ ok: false, error: { code: 'WORKSPACE_INVALID' } });
      expect(!emoji.ok && emoji.error.message).toMatch(/more than the \d+ a source file may be/);
      expect(await readFile(join(dir, 'kshram.c'), 'utf8')).toBe(before);

      await chmod(join(dir, 'kshram.c'), 0o444);
      const readOnly = await call('file.save', { path: 'kshram.c', content: '// mine\n' });
      expect(readOnly).toMatchObject({ ok: false, error: { code: 'WORKSPACE_INVALID' } });
      expect(!readOnly.ok && readOnly.error.message).toContain('kshram.c is read-only');
      expect(await readFile(join(dir, 'kshram.c'), 'utf8')).toBe(before);
      await chmod(join(dir, 'kshram.c'), 0o644);

      const mkdirFails = await call('file.save', { path: 'Makefile/sub/x.h', content: 'x' });
      expect(mkdirFails).toMatchObject({ ok: false, error: { code: 'WORKSPACE_INVALID' } });
    } finally {
      ws.close();
    }
  });

  it('refuses a workspace in /proc, /sys, /dev or a system folder, at once', async () => {
    const ws = await connect(wsUrl);
    const call = caller(ws);
    try {
      for (const dir of ['/proc/self/kshram-lab', '/sys/kernel/kshram', '/dev/shm/../kshram', '/etc', '/', '/usr/local/lab']) {
        const started = Date.now();
        const reply = await call('workspace.create', { dir, template: 'starter' });
        expect(reply, dir).toMatchObject({ ok: false, error: { code: 'WORKSPACE_INVALID' } });
        expect(!reply.ok && reply.error.message, dir).toMatch(/a workspace cannot be there/);
        expect(Date.now() - started, dir).toBeLessThan(REFUSAL_MS);
      }
      expect(await caller(ws)('app.info', {})).toMatchObject({ ok: true });
    } finally {
      ws.close();
    }
  });

  it("build.run cannot read the host's files around file.read's confinement", async () => {
    const ws = await connect(wsUrl);
    const call = caller(ws);
    const secretPath = join(root, 'private', 'secret.txt');
    const seen: string[] = [];
    ws.on('message', (raw) => seen.push((raw as Buffer).toString('utf8')));
    try {
      expect(await call('workspace.create', { dir: join(root, 'attack'), template: 'starter' })).toMatchObject({ ok: true });
      const source = `#include <linux/module.h>\n#include "${secretPath}"\nasm(".incbin \\"${secretPath}\\"");\nMODULE_LICENSE("GPL");\n`;
      expect(await call('file.save', { path: 'kshram.c', content: source })).toMatchObject({ ok: true });
      const built = await call('build.run', {});
      expect(built).toMatchObject({ ok: true, value: { ok: false } });
      expect(JSON.stringify(built)).toContain(secretPath);
      expect(seen.join('\n')).not.toContain(SECRET);
    } finally {
      ws.close();
    }
  }, 120_000);
});
