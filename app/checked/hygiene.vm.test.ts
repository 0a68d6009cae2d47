import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { helloModuleDir, moduleDir } from '../paths.js';
import { formatFinding, runCheckpatch, runSparse } from './hygiene.js';

/**
 * The module's kernel C passes checkpatch.pl --strict and sparse, and each
 * tool is shown to find a planted mistake, so a clean result means the
 * tool ran and looked.
 */
const KSHRAM_SOURCES = [join(moduleDir, 'kshram.c'), join(moduleDir, 'kshram.h')];
const HELLO_SOURCES = [join(helloModuleDir, 'hello.c')];
const work = await mkdtemp(join(tmpdir(), 'kshram-hygiene-test-'));
afterAll(() => rm(work, { recursive: true, force: true }));

/** kshram.c with a global that is neither static nor declared, and a missing blank line after declarations. */
async function plantedCopy(): Promise<string[]> {
  const source = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
  const anchor = 'static struct class *kshram_class;\n';
  expect(source).toContain(anchor);
  const planted = source.replace(anchor, `${anchor}int kshram_resizes;\n`).replace('\tlong size;\n\n\tmutex_lock(&slot->lock);', '\tlong size;\n\tmutex_lock(&slot->lock);');
  await writeFile(join(work, 'kshram.c'), planted);
  await writeFile(join(work, 'kshram.h'), await readFile(join(moduleDir, 'kshram.h')));
  return [join(work, 'kshram.c'), join(work, 'kshram.h')];
}

describe('checkpatch.pl --strict', () => {
  it('finds nothing in module/ (kshram.c, kshram.h, hello.c)', async () => {
    const result = await runCheckpatch([...KSHRAM_SOURCES, ...HELLO_SOURCES]);
    expect(result.findings.map(formatFinding)).toEqual([]);
  });

  it('finds a missing blank line after declarations', async () => {
    const result = await runCheckpatch(await plantedCopy());
    expect(result.findings.map(formatFinding)).toContainEqual(expect.stringMatching(/^kshram\.c:\d+: WARNING: LINE_SPACING: Missing a blank line after declarations$/));
  });
});

describe('sparse (make C=2)', () => {
  const kit = loadKit(DEFAULT_KIT);

  it('finds nothing in kshram.c and hello.c', async () => {
    const kshram = await runSparse(await kit, KSHRAM_SOURCES);
    expect(kshram.findings.map(formatFinding)).toEqual([]);
    const hello = await runSparse(await kit, HELLO_SOURCES);
    expect(hello.findings.map(formatFinding)).toEqual([]);
  }, 360_000);

  it('finds a global that should be static', async () => {
    const result = await runSparse(await kit, await plantedCopy());
    expect(result.findings.map(formatFinding)).toContainEqual(expect.stringMatching(/^kshram\.c:\d+: warning: symbol 'kshram_resizes' was not declared\. Should it be static\?$/));
  }, 180_000);
});
