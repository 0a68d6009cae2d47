import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { checkSandbox } from './sandbox.js';

/**
 * Without bubblewrap, a build of submitted code does not quietly run
 * unconfined: it fails and says what to install. (A file of its own: the
 * sandbox probe is remembered per process.)
 */
let bin: string;
let path: string | undefined;

beforeAll(async () => {
  // a PATH with the tools a build needs but no bwrap
  bin = await mkdtemp(join(tmpdir(), 'kshram-no-bwrap-'));
  for (const tool of ['sh', 'make', 'cc', 'prlimit', 'setpriv']) await symlink(`/usr/bin/${tool}`, join(bin, tool));
  path = process.env.PATH;
  process.env.PATH = bin;
});
afterAll(async () => {
  process.env.PATH = path;
  await rm(bin, { recursive: true, force: true });
});

describe('a host without bubblewrap', () => {
  it('refuses to build, naming bubblewrap and how to get it', async () => {
    const error = await checkSandbox().then(
      () => undefined,
      (err: unknown) => err as LabError,
    );
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'TOOLCHAIN_MISSING', message: 'bubblewrap (bwrap) is not installed; builds of submitted code run in its sandbox.' });
    expect(error!.suggestion).toMatch(/apt-get install bubblewrap/);
  });
});
