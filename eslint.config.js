// ESLint: the runtimes and floors of ARCHITECTURE.md, enforced. app/ is the engine (Node,
// no Electron, no DOM); renderer/ is the browser side and sees the engine only
// through the API's types; main/ is glue between Electron and the engine.
import tseslint from 'typescript-eslint';
import appFloors from './eslint/app-floors.js';

const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'HTMLElement'];
const UI_PACKAGES = ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*', 'monaco-editor', 'monaco-editor/*', '@xterm/*', 'react-resizable-panels'];
/** Packages, not paths: a regex, so a file named ./ws is not mistaken for the ws package. */
const NODE_ONLY = '^(node:.*|fs|path|os|child_process|net|http|crypto|electron(/.*)?|node-pty|ws|zod|commander|write-file-atomic)$';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'module/**', 'resources/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
      // types from the two tsconfigs (node side, web side), found per file
      parserOptions: { project: ['./tsconfig.node.json', './tsconfig.web.json'], tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // an async function without await is how a function turns its throws into rejections (selectToolchain)
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, stringContaining) and parsed JSON reports are typed any
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // React props are plain objects of callbacks: a method-style prop passed on is never a class method
    files: ['renderer/**/*.tsx'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['app/**/*.ts'],
    plugins: { local: appFloors },
    rules: {
      // each app/ folder imports only the floors below it (eslint/app-floors.js)
      'local/app-floors': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: UI_PACKAGES, message: 'app/ is the engine: plain Node, no Electron or UI code (ARCHITECTURE.md, "Runtimes").' },
            { regex: '(^|/)(main|renderer)(/|$)', message: 'app/ never imports main/ or renderer/; they import app/ (ARCHITECTURE.md, "Runtimes").' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...BROWSER_GLOBALS.map((name) => ({ name, message: 'app/ runs in Node: no DOM (ARCHITECTURE.md, "Runtimes").' }))],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)app/(?!api(\\.js)?$|api/|service/(contract|http-client)(\\.js)?$)', message: 'The renderer talks to the engine only through the API (app/api) or the course service\'s contract and its fetch client (app/service/contract, http-client), never their internals (ARCHITECTURE.md, "Runtimes").' },
            { regex: '(^|/)app/api(\\.js)?$|(^|/)app/api/(?!channels|sources-digest)', allowTypeImports: true, message: 'Import only types from app/api (besides the channel names and the sources digest both sides compute); values travel through the LabClient (ARCHITECTURE.md, "Runtimes").' },
            { regex: '(^|/)main/(?!preload/index$)', message: 'The renderer never imports Electron main code.' },
            { regex: '(^|/)main/preload/index$', allowTypeImports: true, message: 'The preload bridge is a type here; at run time it is window.kshramLab.' },
            { regex: NODE_ONLY, message: 'The renderer runs in a sandboxed page: no Node, no Electron (ARCHITECTURE.md, "Runtimes").' },
          ],
        },
      ],
    },
  },
  // renderer/'s two pages share renderer/shared/ and never import each other (ARCHITECTURE.md, "Runtimes")
  ...[
    ['renderer/src/**', '^(\\.\\./)+service/', 'The workbench (renderer/src) never imports the service\'s pages; what both show lives in renderer/shared.'],
    ['renderer/service/**', '^(\\.\\./)+src/', 'The service\'s pages never import the workbench (renderer/src); what both show lives in renderer/shared.'],
    ['renderer/shared/**', '^(\\.\\./)+(src|service)/', 'renderer/shared is below both pages: it imports neither renderer/src nor renderer/service.'],
  ].map(([files, regex, message]) => ({ files: [files], rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] } })),
  {
    files: ['main/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)app/(?!api(\\.js)?$|api/)', message: 'The preload exposes the API and nothing else.' },
            { regex: '(^|/)app/api(\\.js)?$|(^|/)app/api/(?!channels)', allowTypeImports: true, message: 'A sandboxed preload bundles only the channel names; the rest are types.' },
            { regex: '^(node:.*|node-pty|zod|ws)$', message: 'A sandboxed preload has no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)renderer(/|$)', message: 'main/ is glue: it loads the renderer, never imports it.' }] }],
    },
  },
);
