import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/**
 * The dev server injects inline scripts (React refresh) and talks over a
 * WebSocket; the page's strict CSP is loosened for `electron-vite dev`
 * only, never in a build.
 */
function devCsp(): Plugin {
  return {
    name: 'kshram-lab:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http:"),
  };
}

export default defineConfig({
  main: {
    build: { rolldownOptions: { input: { index: resolve('main/index.ts') } } },
  },
  preload: {
    // a sandboxed preload runs as a classic script: CommonJS, one file
    build: { rolldownOptions: { input: { index: resolve('main/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: resolve('renderer'),
    // relative asset URLs: the page is served from file:// (Electron) and from /TOKEN/ (web mode)
    base: './',
    plugins: [react(), devCsp()],
    build: {
      outDir: resolve('out/renderer'),
      minify: true,
      rolldownOptions: { input: resolve('renderer/index.html') },
      // Monaco alone is ~3 MB; it is loaded from disk or loopback, never over a network
      chunkSizeWarningLimit: 5_000,
    },
    worker: { format: 'es' },
  },
});
