import { describe, expect, it } from 'vitest';
import { runLoad } from '../../test/service-load.js';

/**
 * bench/service.ts in small: submissions from several students through
 * both fronts at once, two workers. Every result right, nothing lost, the
 * garbage refused, the service's memory bounded. (Speed is the bench's
 * business, not this test's.)
 */
const MIB = 1024 * 1024;
/** The service process holds the queue's state and open connections, never a submission's run: far below this. */
const SERVICE_RSS_LIMIT = 400 * MIB;

describe('the service under load', () => {
  it('grades a burst from both fronts with two workers: all right, nothing lost', async () => {
    const outcome = await runLoad({ count: 12, students: 4, workers: 2, log: (line) => console.log(line) });
    expect(outcome.wrong).toEqual([]);
    expect(outcome.refused).toBe(2);
    expect(outcome.graded).toBe(10);
    expect(outcome.rssSamples.length).toBeGreaterThan(0);
    expect(Math.max(...outcome.rssSamples)).toBeLessThan(SERVICE_RSS_LIMIT);
  }, 900_000);
});
