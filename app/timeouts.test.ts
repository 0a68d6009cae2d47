import { describe, expect, it } from 'vitest';
import { withTimeout } from './timeouts.js';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('withTimeout', () => {
  it("gives the work's result when it comes first, and the late value when the time is up", async () => {
    expect(await withTimeout(after(5, 'work'), 1_000, () => 'late')).toBe('work');
    expect(await withTimeout(after(1_000, 'work'), 5, () => 'late')).toBe('late');
  });

  it('asks for the late value only when the time is up', async () => {
    let asked = 0;
    await withTimeout(Promise.resolve(1), 5, () => ++asked);
    await after(20, undefined);
    expect(asked).toBe(0);
  });

  it('waits for the work alone when the limit is infinite', async () => {
    expect(await withTimeout(after(20, 'work'), Number.POSITIVE_INFINITY, () => 'late')).toBe('work');
  });

  it("passes the work's rejection on", async () => {
    await expect(withTimeout(Promise.reject(new Error('gone')), 1_000, () => 'late')).rejects.toThrow('gone');
  });
});
