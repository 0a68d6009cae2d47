import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';

const execFileAsync = promisify(execFile);

function grade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'grade', ...args], { env: { ...process.env, NO_COLOR: '1' } }).then(
    (r) => ({ ...r, code: 0 }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
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
