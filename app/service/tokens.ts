import { createHash, randomBytes } from 'node:crypto';
import type { Me, Role } from './contract.js';
import type { Store } from './store.js';

/** 32 random bytes: unguessable; the store keeps only their sha256. */
const TOKEN_BYTES = 32;
/** Says what the string is when it turns up in a shell history or a support mail. */
const TOKEN_PREFIX = 'kshram_';

/** The token as stored: a random token needs no slow hash, only one that cannot be reversed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Makes a new token for `student` (replacing any earlier one) and returns it; only its hash is kept. */
export function addToken(store: Store, student: string, role: Role): string {
  const token = `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
  store.putToken(student, role, tokenHash(token));
  return token;
}

/** Who a token belongs to, or undefined. The lookup is by hash: no string comparison leaks timing. */
export function authenticate(store: Store, token: string | undefined): Me | undefined {
  if (!token) return undefined;
  const owner = store.tokenOwner(tokenHash(token));
  return owner && { student: owner.student, role: owner.role };
}

/** The token of an `Authorization: Bearer TOKEN` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
