import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The unit tier's own, empty cache (KSHRAM_LAB_CACHE, inherited by the
 * workers and the CLIs they start): no kit is installed in it, so a test
 * that needs one fails instead of passing only where kits happen to be,
 * and nothing a unit test writes reaches the user's cache.
 */
let cacheDir = '';

export function setup(): void {
  cacheDir = mkdtempSync(join(tmpdir(), 'kshram-test-cache-'));
  process.env.KSHRAM_LAB_CACHE = cacheDir;
}

export function teardown(): void {
  rmSync(cacheDir, { recursive: true, force: true });
}
