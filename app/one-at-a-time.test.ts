import { describe, expect, it } from 'vitest';
import { OneAtATime } from './one-at-a-time.js';

describe('OneAtATime', () => {
  it('runs each piece after the one before, in the order handed in, past a failure', async () => {
    const queue = new OneAtATime();
    const order: string[] = [];
    const slow = queue.run(async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push('slow');
      return 1;
    });
    const failing = queue.run(async () => {
      order.push('failing');
      throw new Error('refused');
    });
    const quick = queue.run(async () => {
      order.push('quick');
      return 3;
    });
    await expect(slow).resolves.toBe(1);
    await expect(failing).rejects.toThrow('refused');
    await expect(quick).resolves.toBe(3);
    expect(order).toEqual(['slow', 'failing', 'quick']);
  });
});
