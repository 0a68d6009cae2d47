import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'module/**/*.test.ts', 'main/**/*.test.ts', 'renderer/**/*.test.ts', 'e2e/**/*.test.ts'],
    // tests that boot QEMU take seconds each; two workers keep a 2-core machine busy, not thrashing
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['test/no-leftover-vms.ts', 'test/private-state.ts'],
  },
});
