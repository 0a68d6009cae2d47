import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleDir } from '../../paths.js';
import type { ItemStatus } from '../checklist.js';

/**
 * Broken modules for the grader's tests: each is the reference module with
 * a few textual edits, so the corpus follows the reference as it changes.
 */
export interface Variant {
  name: string;
  /** What is wrong with it, as a student would have written it. */
  description: string;
  edits: ReadonlyArray<readonly [from: string, to: string]>;
  /** Expected status of items 1..8. */
  statuses: readonly ItemStatus[];
  /** Text the failing item's evidence must contain. */
  evidence: RegExp;
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'seven-devices',
    description: 'creates only /dev/kshram0..6',
    edits: [['for (i = 0; i < KSHRAM_SLOTS; i++) {\n\t\tdev = device_create(', 'for (i = 0; i < KSHRAM_SLOTS - 1; i++) {\n\t\tdev = device_create(']],
    statuses: ['pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run', 'not-run', 'not-run'],
    evidence: /missing \/dev\/kshram7/,
  },
  {
    name: 'does-not-compile',
    description: 'a missing semicolon',
    edits: [['return KSHRAM_SLOTS;', 'return KSHRAM_SLOTS']],
    statuses: ['pass', 'pass', 'fail', 'not-run', 'not-run', 'not-run', 'not-run', 'not-run'],
    evidence: /kshram\.c:\d+:\d+: error: expected ';'/,
  },
];

/** Writes the variant's kshram.c (and the seed's kshram.h) into `dir`. */
export async function writeVariant(variant: Variant, dir: string): Promise<string> {
  let source = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
  for (const [from, to] of variant.edits) {
    if (!source.includes(from)) throw new Error(`variant ${variant.name}: the reference no longer contains ${JSON.stringify(from)}`);
    source = source.replace(from, to);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kshram.c'), source);
  await writeFile(join(dir, 'kshram.h'), await readFile(join(moduleDir, 'kshram.h')));
  return dir;
}
