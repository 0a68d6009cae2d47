import { configDefaults, defineConfig } from 'vitest/config';
import base, { SLOW_TEST_FILES, TEST_FILES } from './vitest.config.js';

/**
 * `npm run test:unit`: every test that is neither `*.vm.test.ts` nor
 * `*.e2e.test.ts`, in seconds, on a machine with no kit. The tests get an
 * empty cache of their own (test/private-cache.ts): one that needs a kit
 * fails here, and none writes to the user's cache.
 */
export default defineConfig({
  test: {
    include: TEST_FILES,
    exclude: [...configDefaults.exclude, ...SLOW_TEST_FILES],
    maxWorkers: base.test?.maxWorkers,
    testTimeout: base.test?.testTimeout,
    hookTimeout: base.test?.hookTimeout,
    // the leftover guard too: a unit test leaves nothing running either
    globalSetup: ['test/no-leftovers.ts', 'test/private-state.ts', 'test/private-cache.ts'],
    setupFiles: base.test?.setupFiles,
  },
});
