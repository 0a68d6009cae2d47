import { describe, expect, it } from 'vitest';
import { LiveClientMessageSchema, REQUEST_SCHEMAS, SERVICE_ROUTES, submissionPagePath } from './contract.js';

describe('the service contract', () => {
  it('accepts the live socket messages it documents and nothing else', () => {
    expect(LiveClientMessageSchema.safeParse({ t: 'auth', token: 'abc' }).success).toBe(true);
    expect(LiveClientMessageSchema.safeParse({ t: 'watch', submission: 'a1b2c3d4e5f6g7h8' }).success).toBe(true);
    expect(LiveClientMessageSchema.safeParse({ t: 'watchClass' }).success).toBe(true);
    expect(LiveClientMessageSchema.safeParse({ t: 'watch', submission: '../../etc/passwd' }).success).toBe(false);
    expect(LiveClientMessageSchema.safeParse({ t: 'auth', token: '' }).success).toBe(false);
    expect(LiveClientMessageSchema.safeParse({ t: 'auth', token: 'x', extra: 1 }).success).toBe(false);
  });

  it('refuses student names a roster would not hold', () => {
    expect(REQUEST_SCHEMAS.history.safeParse({ student: 'alice.smith@uni.edu' }).success).toBe(true);
    for (const bad of ['', '-rf', 'a b', 'x'.repeat(65), 'a/b', 'ä']) expect(REQUEST_SCHEMAS.history.safeParse({ student: bad }).success, bad).toBe(false);
  });

  it('has one path per route and links under the page', () => {
    const keys = Object.values(SERVICE_ROUTES).map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(submissionPagePath('a1b2c3d4e5f6g7h8')).toBe('/s/a1b2c3d4e5f6g7h8');
  });
});
