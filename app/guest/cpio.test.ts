import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCpio } from './cpio.js';

describe('newc cpio writer', () => {
  it('produces an archive GNU cpio unpacks with the same files, modes and links', () => {
    const archive = writeCpio([
      { path: 'bin', type: 'dir' },
      { path: '/bin/tool', type: 'file', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { path: 'odd', type: 'file', data: Buffer.from('12345') },
      { path: 'bin/sh', type: 'symlink', target: 'tool' },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'));
    execFileSync('cpio', ['-id', '--quiet'], { cwd: dir, input: archive });
    expect(readFileSync(join(dir, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'odd'), 'utf8')).toBe('12345');
    expect(readlinkSync(join(dir, 'bin/sh'))).toBe('tool');
    expect(archive.length % 4).toBe(0);
  });
});
