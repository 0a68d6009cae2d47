import { judgeRun } from '../judge.js';
import { CHECK_TIMEOUT_MS } from './limits.js';
import type { ItemRecorder } from './recorder.js';

/** Runs one of the lab's check programs and judges it by its contract (judge.ts). */
export async function runCheck(recorder: ItemRecorder, name: string): Promise<{ pass: boolean; reason: string; output: string }> {
  const result = await recorder.sh(name, CHECK_TIMEOUT_MS);
  return { ...judgeRun(name, result, CHECK_TIMEOUT_MS), output: result.output };
}
