import { createHash, randomBytes } from 'node:crypto';

/** The course's difficulty: sha1 starting with 000000 in hex; ~20 s in Python here. */
export const DEFAULT_POW_BITS = 24;
/** More than this would take a student's laptop hours; fewer than 0 is no challenge at all. */
export const MAX_POW_BITS = 32;
/** Random bytes of the prefix, as hex (never a quote: the course's client splits the prompt on quotes). */
const PREFIX_BYTES = 8;

export interface PowChallenge {
  prefix: string;
  bits: number;
}

export function newChallenge(bits: number): PowChallenge {
  return { prefix: randomBytes(PREFIX_BYTES).toString('hex'), bits };
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export function powDigest(prefix: string, answer: Buffer): Buffer {
  return createHash('sha1').update(Buffer.concat([Buffer.from(prefix, 'latin1'), answer])).digest();
}

/** True when sha1(prefix + S) has at least `bits` leading zero bits. */
export function solves(challenge: PowChallenge, answer: Buffer): boolean {
  return leadingZeroBits(powDigest(challenge.prefix, answer)) >= challenge.bits;
}

/**
 * Finds S by counting, as the course's pow.py does (S is the decimal
 * number as text); for tests and our own client.
 */
export function solve(challenge: PowChallenge): Buffer {
  for (let i = 0; ; i++) {
    const answer = Buffer.from(String(i), 'latin1');
    if (solves(challenge, answer)) return answer;
  }
}
