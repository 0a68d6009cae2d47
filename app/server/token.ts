import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 24 random bytes: unguessable, and short enough for a URL someone copies. */
const TOKEN_BYTES = 24;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Compares in constant time, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
