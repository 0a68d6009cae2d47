import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { prepareSubmission } from './index.js';
import { zerosTarGz } from '../../test/bad-inputs.js';

/**
 * Pathological uploads end in seconds with a reason: unpacking is linear
 * and every byte read counts, zero padding after the end marker too; and
 * binary data is never handed to the compiler as a source file.
 */
let root: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kshram-bounded-'));
  await writeFile(join(root, 'kshram.c'), '// SPDX-License-Identifier: GPL-2.0\nint x;\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A tar of kshram.c, uncompressed. */
async function smallTar(): Promise<Buffer> {
  const file = join(root, `small-${++n}.tar`);
  await tar.c({ file, cwd: root }, ['kshram.c']);
  return readFile(file);
}

async function outcome(file: string): Promise<{ error?: LabError; ms: number }> {
  const started = Date.now();
  const error = await prepareSubmission(file, join(root, `ws-${++n}`)).then(
    () => undefined,
    (err: unknown) => err as LabError,
  );
  return { error, ms: Date.now() - started };
}

describe('unpacking is linear and bounded', () => {
  it('reads 16 MiB of zeros after the end marker in linear time (it took 25 s)', async () => {
    const file = join(root, 'padded.tar.gz');
    await writeFile(file, gzipSync(Buffer.concat([await smallTar(), Buffer.alloc(16 * 1024 * 1024)])));
    const { error, ms } = await outcome(file);
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(5_000);
  });

  it('rejects a 9 MB .tar.gz of zeros in seconds, saying why', async () => {
    const { error, ms } = await outcome(await zerosTarGz(join(root, 'zeros.tar.gz')));
    expect(error?.code).toBe('SUBMISSION_INVALID');
    expect(error?.message).toMatch(/^zeros\.tar\.gz: unpacks to more than \d+ MiB \(zero padding counts too\)$/);
    expect(ms).toBeLessThan(10_000);
  });

  it('rejects a .c file of binary data even without a NUL in its first 512 bytes', async () => {
    const bytes = randomBytes(64 * 1024);
    bytes.fill(0x41, 0, 1024);
    const file = join(root, 'noise.c');
    await writeFile(file, bytes);
    const { error } = await outcome(file);
    expect(error?.code).toBe('SUBMISSION_INVALID');
    expect(error?.message).toBe('noise.c: kshram.c is not a C source file (it holds binary data)');
  });
});
