import { judgeRun } from '../judge.js';
import type { ItemRecorder } from './recorder.js';
import { TIMEOUTS } from '../../timeouts.js';

/** Runs one of the lab's check programs and judges it by its contract (judge.ts). */
export async function runCheck(recorder: ItemRecorder, name: string): Promise<{ pass: boolean; reason: string; output: string }> {
  const result = await recorder.sh(name, TIMEOUTS.checkMs);
  return { ...judgeRun(name, result, TIMEOUTS.checkMs), output: result.output };
}
