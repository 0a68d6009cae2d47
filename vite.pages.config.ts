import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { PAGES_BUILD_DIR } from './app/service/contract.js';

/**
 * The course service's pages (`kshram-lab serve`): the student page
 * (index.html, served at / and /s/ID) and the TA dashboard (ta.html, at
 * /ta). A second renderer entry beside the workbench's, built by the same
 * `npm run bundle`, sharing its Grade pane and terminal (renderer/shared).
 * Absolute asset URLs: /s/ID is one level down and must load /assets/.
 */
export default defineConfig({
  root: resolve('renderer/service'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(PAGES_BUILD_DIR),
    emptyOutDir: true,
    minify: true,
    rolldownOptions: { input: { index: resolve('renderer/service/index.html'), ta: resolve('renderer/service/ta.html') } },
  },
  logLevel: 'warn',
});
