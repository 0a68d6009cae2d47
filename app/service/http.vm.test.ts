import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CSV_COLUMNS } from '../grade/report-csv.js';
import { projectRoot } from '../paths.js';
import { CLOSE_UNAUTHORIZED, LIVE_PATH, type LiveEvent, type LiveServerMessage } from './contract.js';
import { ServiceApi, ServiceCallError } from './http-client.js';
import { buildKo, eventually, startTestService, type TestService } from './testing/service.js';

/**
 * `serve`'s HTTP front with a real private Redis: tokens and roles, the
 * Host/Origin rules, what it refuses (a .ko for another kernel, oversized,
 * truncated and double uploads, too many), the live socket, and one real
 * grade through `kshram-lab submit`, seen afterwards by a TA.
 */
const GRADE_MS = 240_000;
const cli = promisify(execFile);

/** A raw HTTP request, to send what fetch would not (another Host, a cut-off body). */
function raw(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer; cutAfter?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    if (options.cutAfter !== undefined) {
      req.write(options.body!.subarray(0, options.cutAfter));
      setTimeout(() => {
        req.destroy();
        resolve({ status: 0, body: '' });
      }, 200);
      return;
    }
    req.end(options.body);
  });
}

const refusal = async (call: Promise<unknown>): Promise<ServiceCallError> => {
  try {
    await call;
  } catch (err) {
    if (err instanceof ServiceCallError) return err;
    throw err;
  }
  throw new Error('the service accepted it');
};

describe('the HTTP front', () => {
  let service: TestService;
  let url: string;
  let port: number;
  let alice: string;
  let ta: string;

  beforeAll(async () => {
    service = await startTestService({ workers: 0, rateLimit: { submissions: 3, windowMs: 3_600_000 } });
    url = service.running.httpUrl;
    port = Number(new URL(url).port);
    alice = service.token('alice');
    ta = service.token('prof', true);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('knows tokens and roles: none, a wrong one and a revoked one are refused; TA routes are the TA\'s', async () => {
    expect(await new ServiceApi(url, alice).me()).toEqual({ student: 'alice', role: 'student' });
    expect(await new ServiceApi(url, ta).me()).toEqual({ student: 'prof', role: 'ta' });
    expect(await refusal(new ServiceApi(url, undefined).me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await refusal(new ServiceApi(url, `${alice}x`).history())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await refusal(new ServiceApi(url, alice).classRows())).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await refusal(new ServiceApi(url, alice).history('prof'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const bob = service.token('bob');
    service.store().revokeToken('bob');
    expect(await refusal(new ServiceApi(url, bob).me())).toMatchObject({ status: 401 });
    // the info route is public: the sign-in page shows what the service grades on
    expect(await new ServiceApi(url, undefined).info()).toMatchObject({ kit: 'debian-6.1', kernelRelease: expect.stringMatching(/^6\.1\./) });
  });

  it('refuses other Host names and other origins, on the API and the live socket', async () => {
    expect((await raw(port, { path: '/api/info', headers: { Host: `evil.example:${port}` } })).status).toBe(403);
    expect((await raw(port, { path: '/api/info', headers: { Origin: 'http://evil.example' } })).status).toBe(403);
    expect((await raw(port, { path: '/api/info', headers: { Origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    const refused = new WebSocket(`ws://127.0.0.1:${port}${LIVE_PATH}`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) =>
      refused.on('unexpected-response', (req, res) => {
        resolve(res.statusCode!);
        req.destroy();
      }),
    );
    expect(status).toBe(403);
    const unknown = new WebSocket(`ws://127.0.0.1:${port}${LIVE_PATH}`);
    unknown.on('open', () => unknown.send(JSON.stringify({ t: 'auth', token: 'nope' })));
    expect(await new Promise<number>((resolve) => unknown.on('close', (code) => resolve(code)))).toBe(CLOSE_UNAUTHORIZED);
  });

  it('refuses a .ko built for another kernel, naming both kernels', async () => {
    const other = await buildKo({ kit: 'debian-6.12' });
    const error = await refusal(new ServiceApi(url, alice).submit(new Blob([other]), 'kshram.ko'));
    expect(error).toMatchObject({ status: 422, code: 'MODULE_WRONG_KERNEL' });
    expect(error.message).toMatch(/^kshram\.ko was built for Linux 6\.12\.\S+; this service grades on Linux 6\.1\.\S+ \(kit debian-6\.1\)/);
    expect(error.suggestion).toContain('kshram-lab build DIR --kit debian-6.1');
    expect(service.store().history('alice')).toEqual([]);
  }, 120_000);

  it('refuses oversized, cut-off and broken uploads; a double submit is the same submission; a rate limit says when', async () => {
    const api = new ServiceApi(url, service.token('carol'));
    expect(await refusal(api.submit(new Blob([Buffer.alloc(9 * 1024 * 1024, 1)]), 'kshram.tar.gz'))).toMatchObject({ status: 413, code: 'TOO_LARGE' });
    expect(await refusal(api.submit(new Blob([Buffer.from('PK\x03\x04 not a zip at all', 'latin1')]), 'lab.zip'))).toMatchObject({ status: 422, code: 'SUBMISSION_INVALID' });
    expect(await refusal(api.submit(new Blob([Buffer.from('x')]), 'notes.pdf'))).toMatchObject({ status: 422, code: 'SUBMISSION_INVALID' });
    // a connection dropped half way through its upload
    const boundary = 'kshramboundary';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="kshram.c"\r\n\r\n`), Buffer.alloc(200_000, 'a'), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    await raw(port, { method: 'POST', path: '/api/submissions', headers: { Authorization: `Bearer ${alice}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) }, body, cutAfter: 50_000 });
    expect(service.store().history('alice')).toEqual([]);

    const source = (n: number): Blob => new Blob([`// submission ${n}\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n`]);
    const first = await api.submit(source(1), 'kshram.c');
    expect(first).toMatchObject({ duplicate: false, submission: { state: 'queued', position: 1, student: 'carol' } });
    expect(await api.submit(source(1), 'kshram.c')).toMatchObject({ duplicate: true, submission: { id: first.submission.id } });
    await api.submit(source(2), 'kshram.c');
    await api.submit(source(3), 'kshram.c');
    const limited = await refusal(api.submit(source(4), 'kshram.c'));
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(limited.message).toBe('You have submitted 3 times in the last 1 h; the limit is 3.');
    expect(limited.suggestion).toMatch(/^Your next submission is accepted in (1 h|59 min)\./);
    // one student's many wait behind another's first
    const dave = await new ServiceApi(url, service.token('dave')).submit(source(9), 'kshram.c');
    expect(dave.submission.position).toBe(2);
    const queue = await new ServiceApi(url, ta).queue();
    expect(queue).toMatchObject({ waiting: 4, running: 0, waitingByStudent: { carol: 3, dave: 1 }, workers: [] });
  });
});

describe('a grade through `kshram-lab submit`, and the TA who sees it', () => {
  let service: TestService;
  let url: string;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kshram-submit-test-'));
    service = await startTestService({ workers: 1 });
    url = service.running.httpUrl;
  }, GRADE_MS);

  afterAll(async () => {
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('submits a module folder, waits, prints what grade --json prints, exits 0; a wrong-kernel .ko exits 2', async () => {
    const token = service.token('alice');
    const { stdout, stderr } = await cli(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'submit', join(projectRoot, 'module'), '--server', url, '--token', token, '--json'], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ submission: 'module.tar.gz', total: 100, max: 100, kit: 'debian-6.1', checks: 'builtin', build: { ok: true } });
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['elapsedMs', 'vmElapsedMs', 'timeLimitMs', 'kernelRelease', 'accel', 'toolchain', 'items', 'notes']));
    expect(stderr).not.toMatch(/error/);

    const other = join(root, 'kshram.ko');
    await writeFile(other, await buildKo({ kit: 'debian-6.12' }));
    const wrong = await cli(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'submit', other, '--server', url, '--token', token], { env: { ...process.env, NO_COLOR: '1' } }).catch((err: { code: number; stderr: string }) => err);
    expect(wrong).toMatchObject({ code: 2 });
    expect((wrong as { stderr: string }).stderr).toMatch(/error: kshram\.ko was built for Linux 6\.12\.\S+; this service grades on Linux 6\.1\./);
  }, GRADE_MS);

  it('lets a TA see the class, export results.csv, watch a finished run replayed, and regrade', async () => {
    const taToken = service.token('prof', true);
    const ta = new ServiceApi(url, taToken);
    const rows = await ta.classRows();
    expect(rows).toEqual([expect.objectContaining({ student: 'alice', submissions: 1, best: 100, latest: 100, latestState: 'graded' })]);
    const csv = await ta.classCsv();
    const [header, row] = csv.split('\r\n');
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(row).toMatch(/^alice,module\.tar\.gz,graded,100,100,10,10,10,5,20,20,20,5,,,\d+\.\d$/);

    // a late viewer gets the whole run again, then the stored result
    const id = rows[0]!.latestId!;
    const events: LiveEvent[] = [];
    const socket = new WebSocket(`${url.replace('http', 'ws')}${LIVE_PATH}`);
    await new Promise<void>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ t: 'auth', token: taToken })));
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as LiveServerMessage;
        if (message.t === 'ready') socket.send(JSON.stringify({ t: 'watch', submission: id }));
        if (message.t === 'event') events.push(message.event);
        if (message.t === 'event' && message.event.name === 'grade.done') resolve();
      });
    });
    socket.close();
    expect(events[0]).toMatchObject({ name: 'submission.state', payload: { id, state: 'graded', total: 100 } });
    expect(events.filter((e) => e.name === 'grade.itemEnd')).toHaveLength(8);
    expect(events.some((e) => e.name === 'console.data')).toBe(true);
    expect(events.at(-1)).toMatchObject({ name: 'grade.done', payload: { result: { total: 100 } } });

    const queue = await ta.queue();
    expect(queue.workers).toEqual([expect.objectContaining({ alive: true, jobs: 1, gradesDone: 1, running: [] })]);
    const { queued } = await ta.regrade('alice');
    expect(queued).toEqual([expect.objectContaining({ via: 'regrade', regradeOf: id, state: 'queued' })]);
    const regraded = await eventually('the regrade', async () => {
      const detail = await ta.submission(queued[0]!.id);
      return detail.state === 'graded' ? detail : undefined;
    }, GRADE_MS, 1_000);
    expect(regraded).toMatchObject({ total: 100, student: 'alice' });
  }, GRADE_MS);
});
