import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strictly } from './base64.js';

describe('an upload\'s base64', () => {
  it('decodes every length of file, whatever its padding (none, = or ==)', () => {
    for (const size of [0, 1, 2, 3, 4096, 4097, 4098]) {
      const data = randomBytes(size);
      const text = data.toString('base64');
      expect(decodeBase64Strictly(text), `${size} bytes`).toEqual(data);
      expect(decodeBase64Strictly(text.replace(/=+$/, '')), `${size} bytes, unpadded`).toEqual(data);
    }
  });

  it('refuses padding in the middle, a cut-off tail and other characters', () => {
    const text = Buffer.from('kshram module bytes!').toString('base64');
    expect(decodeBase64Strictly(`QQ==${text}`)).toBeUndefined();
    expect(decodeBase64Strictly(text.slice(0, -3))).toBeUndefined();
    expect(decodeBase64Strictly('QUJ')).toBeUndefined();
    expect(decodeBase64Strictly(`${text}===`)).toBeUndefined();
    expect(decodeBase64Strictly('a-b_')).toBeUndefined();
  });
});
