import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CHECK_PROGRAMS } from '../build/programs.js';
import { LabError } from '../errors.js';

/**
 * Checks a --checks directory before anything is built: it must hold the
 * three check programs' sources (kshram.h is optional: the seed's is used
 * when it is missing). Every missing file is named at once.
 */
export async function validateChecksDir(dir: string): Promise<{ dir: string; hasHeader: boolean }> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new LabError('BAD_ARGUMENT', `The checks directory ${abs} ${info ? 'is not a directory' : 'does not exist'}.`, `Point --checks at a folder holding ${expected()}.`);
  }
  const missing: string[] = [];
  for (const name of CHECK_PROGRAMS) {
    const file = await stat(join(abs, `${name}.c`)).catch(() => undefined);
    if (!file?.isFile()) missing.push(`${name}.c`);
  }
  if (missing.length) {
    throw new LabError('BAD_ARGUMENT', `The checks directory ${abs} lacks ${missing.join(', ')}.`, `A checks directory holds ${expected()}; kshram.h is optional (the lab's is used when it is missing).`);
  }
  return { dir: abs, hasHeader: existsSync(join(abs, 'kshram.h')) };
}

const expected = (): string => CHECK_PROGRAMS.map((name) => `${name}.c`).join(', ');
