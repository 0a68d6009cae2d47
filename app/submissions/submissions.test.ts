import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarOf } from './testing/tar-of.js';
import { zipOf } from './testing/zip-of.js';
import { LabError } from '../errors.js';
import { prepareSubmission, submissionName } from './index.js';

const SOURCE = '// SPDX-License-Identifier: GPL-2.0\n#include "kshram.h"\n';
const HEADER = '#define KSHRAM_GETSLOTS 0\n';

let root: string;
let n = 0;
const fresh = async (name: string): Promise<string> => {
  const dir = join(root, `${++n}`, name);
  await mkdir(dir, { recursive: true });
  return dir;
};
const workspace = (): string => join(root, `ws-${++n}`);

/** Replaces every occurrence of a same-length byte string (a zip's local and central names). */
function patch(buffer: Buffer, from: string, to: string): Buffer {
  expect(from.length).toBe(to.length);
  const out = Buffer.from(buffer);
  let at = out.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  while (at >= 0) {
    out.write(to, at, 'latin1');
    at = out.indexOf(from, at + 1);
  }
  return out;
}

async function rejected(input: string): Promise<LabError> {
  const err = await prepareSubmission(input, workspace()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as LabError).code).toBe('SUBMISSION_INVALID');
  return err as LabError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kshram-submissions-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('turning submissions into workspaces', () => {
  it('names a submission after its file or folder', () => {
    expect(submissionName('/x/alice.tar.gz')).toBe('alice');
    expect(submissionName('bob.ZIP')).toBe('bob');
    expect(submissionName('carol.tgz')).toBe('carol');
    expect(submissionName('/x/dave.c')).toBe('dave');
    expect(submissionName('/x/eve/')).toBe('eve');
  });

  it('copies a folder\'s module sources, also from a nested folder, leaving the rest', async () => {
    const dir = await fresh('alice');
    await mkdir(join(dir, 'lab05', '.git'), { recursive: true });
    await writeFile(join(dir, 'lab05', 'kshram.c'), SOURCE);
    await writeFile(join(dir, 'lab05', 'kshram.h'), HEADER);
    await writeFile(join(dir, 'lab05', 'Makefile'), 'obj-m += kshram.o\n');
    await writeFile(join(dir, 'lab05', 'notes.txt'), 'hi');
    await writeFile(join(dir, 'lab05', '.git', 'config'), '[core]');
    const out = workspace();
    const sub = await prepareSubmission(dir, out);
    expect(sub).toMatchObject({ name: 'alice', kind: 'folder', files: ['Makefile', 'kshram.c', 'kshram.h'] });
    expect((await readdir(out)).sort()).toEqual(['Makefile', 'kshram.c', 'kshram.h']);
    expect(await readFile(join(out, 'kshram.c'), 'utf8')).toBe(SOURCE);
  });

  it('takes a single .c file as the student\'s kshram.c', async () => {
    const file = join(await fresh('x'), 'bob.c');
    await writeFile(file, SOURCE);
    const out = workspace();
    expect(await prepareSubmission(file, out)).toMatchObject({ name: 'bob', kind: 'c', files: ['kshram.c'] });
    expect(await readFile(join(out, 'kshram.c'), 'utf8')).toBe(SOURCE);
  });

  it('unpacks a .tar.gz and a .zip, skipping macOS resource forks', async () => {
    const dir = await fresh('src');
    await mkdir(join(dir, 'carol', '__MACOSX'), { recursive: true });
    await writeFile(join(dir, 'carol', 'kshram.c'), SOURCE);
    await writeFile(join(dir, 'carol', 'kshram.h'), HEADER);
    await writeFile(join(dir, 'carol', '__MACOSX', 'kshram.c'), 'junk');
    const tgz = join(dir, 'carol.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: dir }, ['carol']);
    expect(await prepareSubmission(tgz, workspace())).toMatchObject({ name: 'carol', kind: 'tar', files: ['kshram.c', 'kshram.h'] });

    const zipPath = join(dir, 'dave.zip');
    await writeFile(zipPath, await zipOf({ 'dave/kshram.c': SOURCE, 'dave/kshram.h': HEADER, '__MACOSX/dave/._kshram.c': 'junk' }));
    const out = workspace();
    expect(await prepareSubmission(zipPath, out)).toMatchObject({ name: 'dave', kind: 'zip', files: ['kshram.c', 'kshram.h'] });
    expect(await readFile(join(out, 'kshram.h'), 'utf8')).toBe(HEADER);
  });

  it('rejects path traversal in a tar archive before writing anything', async () => {
    const dir = await fresh('evil');
    const inner = join(dir, 'inner');
    await mkdir(inner);
    await writeFile(join(dir, 'escaped.c'), SOURCE);
    await writeFile(join(inner, 'kshram.c'), SOURCE);
    const archive = join(dir, 'mallory.tar.gz');
    // GNU tar keeps a leading "../" with -P, as a malicious archive would
    execFileSync('tar', ['-czPf', archive, 'kshram.c', '../escaped.c'], { cwd: inner });
    const out = workspace();
    const err = await rejected(archive);
    expect(err.message).toBe('mallory.tar.gz: the entry "../escaped.c" climbs out of the archive with ".." (path traversal); nothing was unpacked');
    expect(existsSync(out)).toBe(false);

    const absolute = join(dir, 'abs.tar');
    execFileSync('tar', ['-cPf', absolute, join(inner, 'kshram.c')]);
    expect((await rejected(absolute)).message).toMatch(/^abs\.tar: the entry "\/.*kshram\.c" has an absolute path \(path traversal\)/);
  });

  it('rejects path traversal in a zip archive', async () => {
    const dir = await fresh('evilzip');
    const zip = patch(await zipOf({ 'kshram.c': SOURCE, 'zz/evil.c': 'x' }), 'zz/evil.c', '../evil.c');
    await writeFile(join(dir, 'trudy.zip'), zip);
    expect((await rejected(join(dir, 'trudy.zip'))).message).toBe('trudy.zip: the entry "../evil.c" climbs out of the archive with ".." (path traversal); nothing was unpacked');
  });

  it('rejects links that leave the submission, in archives and folders', async () => {
    const dir = await fresh('links');
    await writeFile(join(dir, 'kshram.c'), SOURCE);
    await symlink('/etc/passwd', join(dir, 'kshram.h'));
    expect((await rejected(dir)).message).toBe('links: kshram.h is a link to /etc/passwd, outside the submission');
    const archive = join(root, 'oscar.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'kshram.c', 'kshram.h']);
    expect((await rejected(archive)).message).toBe('oscar.tar.gz: the entry "kshram.h" is a link to /etc/passwd, outside the submission');
    const zipPath = join(root, 'peggy.zip');
    await writeFile(zipPath, await zipOf({ 'kshram.c': SOURCE, 'kshram.h': '../../../etc/passwd' }, { mode: { 'kshram.h': 0o120777 } }));
    expect((await rejected(zipPath)).message).toBe('peggy.zip: the entry "kshram.h" is a link to ../../../etc/passwd, outside the submission');
  });

  it('rejects huge files and archives that unpack to too much', async () => {
    const dir = await fresh('huge');
    await writeFile(join(dir, 'kshram.c'), SOURCE);
    await writeFile(join(dir, 'video.mp4'), '');
    await truncate(join(dir, 'video.mp4'), 9 * 1024 * 1024);
    const archive = join(root, 'victor.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'kshram.c', 'video.mp4']);
    expect((await rejected(archive)).message).toBe('victor.tar.gz: video.mp4 is a huge file (9.0 MiB; limit 8.0 MiB per file)');

    const big = join(await fresh('bigsource'), 'kshram.c');
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect((await rejected(big)).message).toBe('kshram.c: kshram.c is 2.0 MiB, more than a module source can sensibly be (limit 1.0 MiB)');

    const bomb = await fresh('bomb');
    const names = ['kshram.c'];
    await writeFile(join(bomb, 'kshram.c'), SOURCE);
    for (let i = 0; i < 5; i++) {
      await writeFile(join(bomb, `blob${i}`), '');
      await truncate(join(bomb, `blob${i}`), 7 * 1024 * 1024);
      names.push(`blob${i}`);
    }
    const bombArchive = join(root, 'walter.tar.gz');
    execFileSync('tar', ['-czf', bombArchive, '-C', bomb, ...names]);
    expect((await rejected(bombArchive)).message).toBe('walter.tar.gz: unpacks to more than 32.0 MiB');
  });

  it('refuses an entry whose name no file system can hold (300 bytes), naming it shortened and the limit', async () => {
    const long = `${'a'.repeat(296)}.c`;
    const archive = join(root, 'longname.tar');
    await writeFile(archive, tarOf({ 'kshram.c': SOURCE, [long]: SOURCE }));
    const err = await rejected(archive);
    expect(err.message).toBe(`longname.tar: the entry "${'a'.repeat(39)}…${'a'.repeat(18)}.c" has a name of 298 bytes, longer than any file name can be (at most 255 bytes); nothing was unpacked`);
    expect(err.suggestion).toBe('Give every file and folder a name of at most 255 bytes, or leave it out of the submission.');
    const zipPath = join(root, 'longname.zip');
    await writeFile(zipPath, await zipOf({ 'kshram.c': SOURCE, [`lab/${long}`]: SOURCE }));
    expect((await rejected(zipPath)).message).toMatch(/^longname\.zip: the entry "lab\/a+…a+\.c" has a name of 298 bytes/);
  });

  it('names what is missing or ambiguous', async () => {
    const zipPath = join(root, 'nokshram.zip');
    await writeFile(zipPath, await zipOf({ 'lab5/main.c': SOURCE, 'README.md': 'hi' }));
    const err = await rejected(zipPath);
    expect(err.message).toBe('nokshram.zip: there is no kshram.c (C files found: lab5/main.c)');
    expect(err.suggestion).toBe('The module source must be named kshram.c, as the lab asks.');

    const nested = join(root, 'nested.zip');
    await writeFile(nested, await zipOf({ 'lab/kshram.c': SOURCE, 'lab/old/kshram.c': 'old', 'lab/tests/v2/kshram.c': 'v2' }));
    const out = workspace();
    expect((await prepareSubmission(nested, out)).files).toEqual(['kshram.c']);
    expect(await readFile(join(out, 'kshram.c'), 'utf8')).toBe(SOURCE);

    const two = join(root, 'two.zip');
    await writeFile(two, await zipOf({ 'a/kshram.c': SOURCE, 'b/kshram.c': SOURCE }));
    expect((await rejected(two)).message).toBe('two.zip: there are 2 kshram.c files (a/kshram.c, b/kshram.c); which one is the submission is unclear');

    const fake = join(root, 'fake.zip');
    await writeFile(fake, 'just text');
    expect((await rejected(fake)).message).toBe('fake.zip: is not a zip archive (its content does not start like one)');
    const rar = join(root, 'x.rar');
    await writeFile(rar, 'Rar!');
    expect((await rejected(rar)).message).toBe('x.rar: is not a folder, a .c file, or a .tar.gz/.tgz/.tar/.zip archive');
    expect((await rejected(join(root, 'nobody'))).message).toBe(`nobody: there is no such file or folder (${join(root, 'nobody')})`);
    const broken = join(root, 'broken.tar.gz');
    await writeFile(broken, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 7)]));
    expect((await rejected(broken)).message).toMatch(/^broken\.tar\.gz: is not a readable tar archive \(/);
  });
});
