import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:unit`: every test that needs no QEMU, docker, network or
 * kit build, in seconds. The tests below need one of them (a VM, a
 * kernel-module build against a kit, docker, the bundled app or Chromium);
 * a new test of that kind is added here.
 */
export const SLOW_TESTS = [
  'app/build/columns.test.ts',
  'app/build/compat-build.test.ts',
  'app/checked/corpus.test.ts',
  'app/checked/hygiene.test.ts',
  'app/checked/stress.test.ts',
  'app/build/compat-grade.test.ts',
  'app/build/docker.test.ts',
  'app/build/hello-cache.test.ts',
  'app/build/sandbox.test.ts',
  'app/cli/boot-debug.test.ts',
  'app/cli/grade.test.ts',
  'app/cli/kits.test.ts',
  'app/cli/lifecycle.test.ts',
  'app/cli/web.test.ts',
  'app/debug/debug-boot.test.ts',
  'app/grade/checks.test.ts',
  'app/grade/corpus.test.ts',
  'app/grade/failures.test.ts',
  'app/guest-run/frozen.test.ts',
  'app/grade/runner.test.ts',
  'app/grade/starved.test.ts',
  'app/kit-store/debian-kits.test.ts',
  'app/lsp/host.test.ts',
  'app/kit-store/import.test.ts',
  'app/kit-store/install.test.ts',
  'app/kit-store/remove.test.ts',
  'app/kit-store/self-contained.test.ts',
  'app/server/robustness.test.ts',
  'app/server/server.test.ts',
  'app/session/busy.test.ts',
  'app/session/session.test.ts',
  'app/symbols/decode.test.ts',
  'app/vm/watchdog.test.ts',
  'e2e/**',
  'main/main.test.ts',
  'module/kshram.test.ts',
];

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: [...SLOW_TESTS, '**/node_modules/**'], globalSetup: [] },
  }),
);
