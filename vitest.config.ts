import { defineConfig } from 'vitest/config';

/**
 * Test tiers are chosen by file name (CONTRIBUTING.md, "Tests"):
 * `*.vm.test.ts` needs QEMU, a kit, docker, a kernel-module build,
 * redis-server, clangd or gdb; `*.e2e.test.ts` needs the built app
 * (`npm run bundle`) or Chromium; every other `*.test.ts` is a unit test
 * (vitest.unit.config.ts). `npm test` runs them all.
 */
export const TEST_FILES = ['app/**/*.test.ts', 'module/**/*.test.ts', 'main/**/*.test.ts', 'renderer/**/*.test.ts', 'e2e/**/*.test.ts', 'test/**/*.test.ts'];
export const SLOW_TEST_FILES = ['**/*.vm.test.ts', '**/*.e2e.test.ts'];

export default defineConfig({
  test: {
    include: TEST_FILES,
    // tests that boot QEMU take seconds each; two workers keep a 2-core machine busy, not thrashing
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['test/no-leftovers.ts', 'test/private-state.ts'],
    // every process a test starts ends with it (test/owned.ts), checked after each file
    setupFiles: ['test/each-file.ts'],
  },
});
