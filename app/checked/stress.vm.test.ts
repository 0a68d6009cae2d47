import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VARIANTS, writeVariant } from '../../test/corpus/variants.js';
import { moduleDir } from '../paths.js';
import { defaultStressKit, runStress } from './stress.js';

/**
 * The stress run in real QEMU: 20 s of kshram_stress on the debug kit when
 * it is installed, else on debian-6.1 booted checked (slub_debug, page
 * poisoning). The reference module comes out clean; a module that leaves
 * old bytes behind after a shrink and a grow does not.
 */
const kit = defaultStressKit();
const work = await mkdtemp(join(tmpdir(), 'kshram-stress-test-'));
afterAll(() => rm(work, { recursive: true, force: true }));
/** Boot of a checking kernel on a busy host, 20 s of stress, unload and scan. */
const STRESS_TEST_TIMEOUT_MS = 600_000;

describe(`kshram_stress on ${kit}, checked`, () => {
  it('finds the reference module clean: every byte as expected, no checker report, no leak', async () => {
    const report = await runStress(moduleDir, { kit, seconds: 20, seed: 1 });
    expect(report.findings.map((f) => f.title)).toEqual([]);
    expect(report).toMatchObject({ clean: true, checked: true, seconds: 20 });
    expect(report.output).toMatch(/^kshram_stress: ok, [1-9]\d* operations, [1-9]\d* EBUSY refusals, [1-9]\d* bytes verified$/m);
    expect(report.checkers.length).toBeGreaterThan(0);
  }, STRESS_TEST_TIMEOUT_MS);

  it('catches old bytes coming back after a shrink and a grow (tail-not-zeroed)', async () => {
    const variant = VARIANTS.find((v) => v.name === 'tail-not-zeroed')!;
    const dir = join(work, variant.name);
    await writeVariant(variant, dir);
    const report = await runStress(dir, { kit, seconds: 20, seed: 1 });
    expect(report.clean).toBe(false);
    expect(report.summary).toMatch(/^FAILED: process \d+: kshram\d .*: byte \d+ is 0x[0-9a-f]{2}, expected 0x00 /);
  }, STRESS_TEST_TIMEOUT_MS);
});
