import { open, readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Collector, invalid } from './collect.js';
import { readFolder } from './folder.js';
import { MAX_ARCHIVE_BYTES } from './limits.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

/**
 * A student's submission, turned into a workspace the grader can build:
 * a folder, a single .c file, or a .tar.gz/.tgz/.tar/.zip archive. Nothing
 * from the submission is trusted: names, links and sizes are checked
 * before anything is written, and only the module's sources are copied.
 */
export type SubmissionKind = 'folder' | 'c' | 'tar' | 'zip';

export interface Submission {
  /** Who it is from: the file or folder name without extensions ("alice" for alice.tar.gz). */
  name: string;
  /** The path as given. */
  input: string;
  kind: SubmissionKind;
  /** The folder to grade: kshram.c and the sources beside it. */
  workspaceDir: string;
  /** File names copied into workspaceDir. */
  files: string[];
  /** Things skipped along the way (links, special files). */
  notes: string[];
}

const ARCHIVE_SUFFIXES = ['.tar.gz', '.tgz', '.tar', '.zip'] as const;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const EMPTY_ZIP_MAGIC = Buffer.from('PK\x05\x06', 'latin1');
/** "ustar" at offset 257 of a tar header. */
const USTAR_OFFSET = 257;

/** "alice" for /x/alice.tar.gz, /x/alice.zip, /x/alice.c or /x/alice/. */
export function submissionName(input: string): string {
  const base = basename(resolve(input));
  for (const suffix of [...ARCHIVE_SUFFIXES, '.c']) if (base.toLowerCase().endsWith(suffix)) return base.slice(0, -suffix.length) || base;
  return base;
}

/** Reads `input` and writes its module sources into `workspaceDir` (which it creates). */
export async function prepareSubmission(input: string, workspaceDir: string): Promise<Submission> {
  const label = basename(resolve(input));
  const info = await stat(input).catch(() => undefined);
  if (!info) throw invalid(label, `there is no such file or folder (${resolve(input)})`);
  const collector = new Collector(label);
  const kind = await detectKind(input, label, info.isDirectory());
  if (kind === 'folder') {
    await readFolder(input, label, collector);
  } else if (kind === 'c') {
    collector.admit('kshram.c', info.size);
    collector.add('kshram.c', await readFile(input));
  } else {
    if (info.size > MAX_ARCHIVE_BYTES) throw invalid(label, `the archive is ${Math.round(info.size / 1024 / 1024)} MiB, more than the ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB a submission may be`, 'Submit the module sources only.');
    await (kind === 'zip' ? readZip : readTar)(input, label, collector);
  }
  const files = await collector.write(workspaceDir);
  return { name: submissionName(input), input, kind, workspaceDir, files, notes: collector.notes };
}

/** By name first, then checked against the file's first bytes, so a renamed file is caught. */
async function detectKind(input: string, label: string, isDirectory: boolean): Promise<SubmissionKind> {
  if (isDirectory) return 'folder';
  const lower = label.toLowerCase();
  const head = await readHead(input);
  if (lower.endsWith('.c')) {
    if (head.includes(0)) throw invalid(label, 'is not a C source file (it holds binary data)');
    return 'c';
  }
  if (lower.endsWith('.zip')) {
    if (!head.subarray(0, 4).equals(ZIP_MAGIC) && !head.subarray(0, 4).equals(EMPTY_ZIP_MAGIC)) throw invalid(label, 'is not a zip archive (its content does not start like one)');
    return 'zip';
  }
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) {
    if (!head.subarray(0, 2).equals(GZIP_MAGIC)) throw invalid(label, 'is not a gzip-compressed archive (its content does not start like one)');
    return 'tar';
  }
  if (lower.endsWith('.tar')) {
    if (head.subarray(USTAR_OFFSET, USTAR_OFFSET + 5).toString('latin1') !== 'ustar') throw invalid(label, 'is not a tar archive (no ustar header)');
    return 'tar';
  }
  throw invalid(label, 'is not a folder, a .c file, or a .tar.gz/.tgz/.tar/.zip archive');
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
