import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOwned } from '../../test/owned.js';
import type { BatchResult } from '../grade/batch.js';
import { projectRoot } from '../paths.js';
import { tarOf } from '../submissions/testing/tar-of.js';

/** `kshram-lab grade ARGS`, owned by the test (test/owned.ts). */
async function grade(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', ...args], { env: { ...process.env, NO_COLOR: '1' } });
}

describe('kshram-lab grade: bad input is refused with exit status 2 and a reason, before any VM starts', () => {
  it('checks option values', async () => {
    const jobs = await grade('module', '--jobs', '0');
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain("error: option '--jobs <n>' argument '0' is invalid. --jobs must be a positive number.");
    const limit = await grade('module', '--time-limit', 'soon');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--time-limit must be a positive number.');
  });

  it('names a submission that is not there', async () => {
    const missing = await grade('/no/such/submission.tar.gz');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: submission.tar.gz: there is no such file or folder (/no/such/submission.tar.gz)');
  });
});

describe('kshram-lab grade: an archive entry with a 300-byte name', () => {
  it('is a named refusal (exit 2), not an internal error; in a batch it is that row\'s error and the batch goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kshram-longname-'));
    try {
      const archive = join(dir, 'mallory.tar');
      await writeFile(archive, tarOf({ 'kshram.c': '// kshram\n', [`${'b'.repeat(296)}.h`]: '// h\n' }));
      const single = await grade(archive);
      expect(single.code).toBe(2);
      expect(single.stderr).toContain(`error: mallory.tar: the entry "${'b'.repeat(39)}…${'b'.repeat(18)}.h" has a name of 298 bytes, longer than any file name can be (at most 255 bytes); nothing was unpacked`);
      expect(single.stderr).not.toContain('This is a bug');
      const batch = await grade(archive, join(dir, 'nobody.tar.gz'), '--json');
      expect(batch.code).toBe(1);
      const result = JSON.parse(batch.stdout) as BatchResult;
      expect(result.entries.map((e) => [e.student, e.status, e.error?.code])).toEqual([
        ['mallory', 'error', 'SUBMISSION_INVALID'],
        ['nobody', 'error', 'SUBMISSION_INVALID'],
      ]);
      expect(result.entries[0]!.error!.message).toContain('has a name of 298 bytes');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('kshram-lab grade --json: an error is a JSON object on stdout too, never an empty stdout', () => {
  it('prints {"error": {code, message, suggestion}} for bad input and for a bad option', async () => {
    const missing = await grade('/no/such/submission.tar.gz', '--json');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'SUBMISSION_INVALID', message: 'submission.tar.gz: there is no such file or folder (/no/such/submission.tar.gz)' } });
    const option = await grade('module', '--json', '--jobs', '0');
    expect(option.code).toBe(2);
    expect(JSON.parse(option.stdout)).toMatchObject({ error: { code: 'BAD_ARGUMENT', message: expect.stringContaining('--jobs must be a positive number') } });
  });
});
