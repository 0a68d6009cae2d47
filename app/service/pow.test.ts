import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leadingZeroBits, newChallenge, solve, solves } from './pow.js';

describe('the proof of work', () => {
  it('counts leading zero bits as the course does (24 bits = 000000 in hex)', () => {
    expect(leadingZeroBits(Buffer.from('000000ff', 'hex'))).toBe(24);
    expect(leadingZeroBits(Buffer.from('0000001f', 'hex'))).toBe(27);
    expect(leadingZeroBits(Buffer.from('80', 'hex'))).toBe(0);
    expect(leadingZeroBits(Buffer.from('0000', 'hex'))).toBe(16);
  });

  it('accepts the course client\'s answer (a decimal counter) and refuses others', () => {
    const challenge = newChallenge(12);
    expect(challenge.prefix).not.toContain("'");
    const answer = solve(challenge);
    expect(createHash('sha1').update(challenge.prefix + answer.toString()).digest('hex')).toMatch(/^000/);
    expect(solves(challenge, answer)).toBe(true);
    expect(solves({ ...challenge, bits: 40 }, answer)).toBe(false);
  });
});
