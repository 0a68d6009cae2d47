import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The test run's own per-user state (KSHRAM_LAB_STATE, inherited by the
 * workers and the CLIs they start): the workspaces tests open never reach
 * the recent-folders list of the person running the tests.
 */
let stateDir = '';

export function setup(): void {
  stateDir = mkdtempSync(join(tmpdir(), 'kshram-test-state-'));
  process.env.KSHRAM_LAB_STATE = stateDir;
}

export function teardown(): void {
  rmSync(stateDir, { recursive: true, force: true });
}
