// The floors of app/ (ARCHITECTURE.md, "Floors"), enforced: a folder of the
// engine imports only folders on lower floors, never one on its own floor or
// above, so no two folders can ever import each other, even through others.
// Type imports count as much as value imports: a type that points upward is a
// concept in the wrong folder. Tests (*.test.ts) are exempt: a kit's test may
// grade a submission on it.
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Bottom floor first. The files directly in app/ (errors.ts, paths.ts,
 * process.ts, ...) are floor 0; api.ts and cli.ts there are the entries of
 * api/ and cli/ and stand with them. A new folder gets a floor here and a
 * line in ARCHITECTURE.md before its first import.
 */
export const APP_FLOORS = [
  ['kit', 'agent', 'workspace', 'submissions'],
  ['build'],
  ['vm'],
  ['guest', 'symbols'],
  ['boot'],
  ['guest-run'],
  ['checked'],
  ['grade', 'debug', 'lsp', 'slots', 'kit-store'],
  ['api'],
  ['session'],
  ['server'],
  ['service'],
  ['submit'],
  ['cli'],
];

/** Files directly in app/ that are the entry of a folder, not part of floor 0. */
const ROOT_ENTRIES = { 'api.ts': 'api', 'cli.ts': 'cli' };
const ROOT = '(app/)';
const DOCS = 'ARCHITECTURE.md, "Floors"';

const floorOf = new Map([[ROOT, 0], ...APP_FLOORS.flatMap((folders, i) => folders.map((folder) => [folder, i + 1]))]);

/** The app/ folder a path belongs to (ROOT for the files of floor 0), or undefined outside app/. */
function folderOf(appDir, path) {
  const rel = relative(appDir, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const parts = rel.split(sep);
  if (parts.length > 1) return parts[0];
  return ROOT_ENTRIES[parts[0].replace(/\.js$/, '.ts')] ?? ROOT;
}

const name = (folder) => (folder === ROOT ? 'the files directly in app/' : `app/${folder}/`);

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'An app/ folder imports only folders on lower floors (type imports too).' },
    schema: [],
    messages: {
      upward: '{{from}} (floor {{fromFloor}}) may not import {{to}} (floor {{toFloor}}): a folder imports only lower floors, so imports never run in a circle ({{docs}}).',
      noFloor: '{{folder}} stands on no floor: give it one in eslint/app-floors.js and ARCHITECTURE.md ({{docs}}).',
      outside: 'app/ imports only app/ and packages, never {{target}} ({{docs}}).',
    },
  },
  create(context) {
    const file = context.filename;
    const appDir = resolve(context.cwd, 'app');
    const from = folderOf(appDir, file);
    if (from === undefined || /\.test\.tsx?$/.test(file)) return {};
    const fromFloor = floorOf.get(from);

    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      if (fromFloor === undefined) {
        context.report({ node, messageId: 'noFloor', data: { folder: name(from), docs: DOCS } });
        return;
      }
      const target = resolve(dirname(file), source);
      const to = folderOf(appDir, target);
      if (to === undefined) {
        context.report({ node, messageId: 'outside', data: { target: relative(context.cwd, target), docs: DOCS } });
        return;
      }
      if (to === from) return;
      const toFloor = floorOf.get(to);
      if (toFloor === undefined) {
        context.report({ node, messageId: 'noFloor', data: { folder: name(to), docs: DOCS } });
      } else if (toFloor >= fromFloor) {
        context.report({ node, messageId: 'upward', data: { from: name(from), fromFloor, to: name(to), toFloor, docs: DOCS } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      // import('../x.js').T in a type position
      TSImportType: (node) => check(node, node.source?.value ?? node.argument?.literal?.value),
    };
  },
};

export default { rules: { 'app-floors': rule } };
