import { describe, expect, it } from 'vitest';
import { BatchIntervalMs, CharCountAckSize, ConsoleFlow, HighWatermarkChars, LowWatermarkChars } from './console-flow.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('console flow control', () => {
  it('keeps the invariant that lets a paused console resume', () => {
    expect(CharCountAckSize).toBeLessThanOrEqual(LowWatermarkChars);
    expect(LowWatermarkChars).toBeLessThan(HighWatermarkChars);
  });

  it('batches output, pauses above the high watermark and resumes below the low one', async () => {
    const flow = new ConsoleFlow();
    const calls: string[] = [];
    const batches: string[] = [];
    flow.onData((d) => batches.push(d));
    flow.attach({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });

    for (let i = 0; i < 100; i++) flow.push('x'.repeat(100));
    expect(batches).toEqual([]);
    await tick(BatchIntervalMs * 3);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(10_000);
    expect(calls).toEqual([]);

    flow.push('y'.repeat(HighWatermarkChars));
    await tick(BatchIntervalMs * 3);
    expect(calls).toEqual(['pause']);
    expect(flow.isPaused).toBe(true);

    // acknowledging in steps, as xterm's write callbacks do
    const total = flow.outstanding;
    let acked = 0;
    while (total - acked >= LowWatermarkChars) {
      flow.ack(CharCountAckSize);
      acked += CharCountAckSize;
    }
    expect(calls).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
    flow.dispose();
  });

  it('resumes when a new terminal connects, so a closed tab cannot keep the guest paused', async () => {
    const flow = new ConsoleFlow();
    const calls: string[] = [];
    flow.attach({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    flow.push('z'.repeat(HighWatermarkChars + 1));
    await tick(BatchIntervalMs * 3);
    flow.reset();
    expect(calls).toEqual(['pause', 'resume']);
    expect(flow.outstanding).toBe(0);
    flow.dispose();
  });
});
