import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GradeReportJson } from './contract.js';
import { Store } from './store.js';
import { addToken, authenticate, bearerToken, tokenHash } from './tokens.js';

const report = (total: number): GradeReportJson =>
  ({
    submission: 'kshram.ko',
    total,
    max: 100,
    items: [
      { id: 1, title: 'Boot the Linux VM', points: 10, max: 10, status: 'pass', evidence: '' },
      { id: 5, title: 'Reload kshram; check_msg passes', points: 0, max: 20, status: total === 100 ? 'pass' : 'fail', evidence: 'check_msg failed\nmore', summary: 'check_msg failed' },
    ],
    notes: [],
  }) as unknown as GradeReportJson;

describe('the service store (SQLite)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kshram-store-test-'));
    store = new Store(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const add = (student: string, sha256 = 'a'.repeat(64), via: 'http' | 'nc' | 'regrade' = 'http') =>
    store.addSubmission({ student, fileName: 'kshram.ko', sha256, size: 10, kind: 'ko', via, kit: 'debian-6.1', priority: 1 + store.waitingCount(student), max: 100 });

  it('keeps tokens hashed, one per student, and forgets revoked ones', () => {
    const token = addToken(store, 'alice', 'student');
    expect(JSON.stringify(store.listTokens())).not.toContain(token);
    expect(store.tokenOwner(tokenHash(token))).toMatchObject({ student: 'alice', role: 'student' });
    expect(authenticate(store, token)).toEqual({ student: 'alice', role: 'student' });
    const newer = addToken(store, 'alice', 'ta');
    expect(authenticate(store, token)).toBeUndefined();
    expect(authenticate(store, newer)).toEqual({ student: 'alice', role: 'ta' });
    expect(store.revokeToken('alice')).toBe(true);
    expect(authenticate(store, newer)).toBeUndefined();
    expect(authenticate(store, undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  it('stores a result once, however often a worker reports it', () => {
    const { id } = add('alice');
    expect(store.markRunning(id, 'worker-1')).toBe(true);
    expect(store.finishGraded(id, report(60))).toBe(true);
    expect(store.finishGraded(id, report(100))).toBe(false);
    expect(store.finishError(id, { code: 'INTERNAL', message: 'late' })).toBe(false);
    expect(store.view(id)).toMatchObject({ state: 'graded', total: 60, firstFailure: { id: 5, summary: 'check_msg failed' } });
    expect(store.result(id)?.total).toBe(60);
    expect(store.markQueued(id)).toBe(false);
  });

  it('orders waiting submissions so that one student\'s many do not starve the others', () => {
    const alice = Array.from({ length: 5 }, (_, i) => add('alice', i.toString(16).padStart(64, '0')));
    const bob = add('bob');
    const order = store.waitingOrder().map((row) => row.id);
    expect(order.indexOf(bob.id)).toBe(1);
    expect(order[0]).toBe(alice[0]!.id);
    expect(order.slice(2)).toEqual(alice.slice(1).map((s) => s.id));
  });

  it('finds a double submit and counts submissions for the rate limit, regrades aside', () => {
    const first = add('alice');
    expect(store.pendingDuplicate('alice', 'a'.repeat(64))?.id).toBe(first.id);
    expect(store.pendingDuplicate('bob', 'a'.repeat(64))).toBeUndefined();
    add('alice', 'b'.repeat(64), 'regrade');
    expect(store.countSince('alice', 0).count).toBe(1);
    store.finishGraded(first.id, report(100));
    expect(store.pendingDuplicate('alice', 'a'.repeat(64))).toBeUndefined();
  });

  it('keeps everything across a restart, and lists unfinished work for the queue', () => {
    const done = add('alice');
    store.finishGraded(done.id, report(100));
    const waiting = add('bob');
    const running = add('carol');
    store.markRunning(running.id, 'w');
    store.close();
    store = new Store(dir);
    expect(store.unfinished().map((s) => s.id)).toEqual([waiting.id, running.id]);
    expect(store.classRows().map((row) => [row.student, row.best, row.latestState])).toEqual([
      ['alice', 100, 'graded'],
      ['bob', undefined, 'queued'],
      ['carol', undefined, 'running'],
    ]);
  });
});
