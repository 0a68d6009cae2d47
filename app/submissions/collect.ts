import { mkdir, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { isClutter, isSourceFile } from './entry-path.js';
import { MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_SOURCE_BYTES, MAX_UNPACKED_BYTES } from './limits.js';

const MIB = 1024 * 1024;
const size = (bytes: number): string => (bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** A submission that cannot be graded: the message names the submission and what is wrong. */
export function invalid(label: string, message: string, suggestion?: string): LabError {
  return new LabError('SUBMISSION_INVALID', `${label}: ${message}`, suggestion ?? 'Resubmit a folder, a kshram.c, or a .tar.gz/.zip holding kshram.c (and optionally kshram.h and a Makefile).');
}

/**
 * Gathers a submission's files as they are read from an archive or a
 * folder, enforcing the limits, and then writes the folder holding
 * kshram.c (its sources only) as the workspace to grade.
 */
export class Collector {
  private readonly files = new Map<string, Buffer>();
  private entries = 0;
  private unpacked = 0;
  readonly notes: string[] = [];

  constructor(private readonly label: string) {}

  /** Counts an entry of `bytes` bytes; true when its content should be passed to add(). */
  admit(path: string, bytes: number): boolean {
    if (++this.entries > MAX_ENTRIES) throw invalid(this.label, `more than ${MAX_ENTRIES} files; this is not a module submission`);
    if (isClutter(path)) return false;
    const source = isSourceFile(path);
    if (source && bytes > MAX_SOURCE_BYTES) {
      throw invalid(this.label, `${path} is ${size(bytes)}, more than a module source can sensibly be (limit ${size(MAX_SOURCE_BYTES)})`);
    }
    if (bytes > MAX_ENTRY_BYTES) throw invalid(this.label, `${path} is a huge file (${size(bytes)}; limit ${size(MAX_ENTRY_BYTES)} per file)`, 'Leave build products, images and videos out of the submission.');
    this.unpacked += bytes;
    if (this.unpacked > MAX_UNPACKED_BYTES) throw invalid(this.label, `unpacks to more than ${size(MAX_UNPACKED_BYTES)}`, 'Submit the module sources only.');
    return source;
  }

  add(path: string, content: Buffer): void {
    if (content.length > MAX_SOURCE_BYTES) throw invalid(this.label, `${path} is larger than it claimed to be`);
    this.files.set(path, content);
  }

  /** Writes the sources beside kshram.c into `workspaceDir`; returns their names. */
  async write(workspaceDir: string): Promise<string[]> {
    const all = [...this.files.keys()].filter((path) => posix.basename(path) === 'kshram.c');
    // the shallowest kshram.c is the submission (tests or backups may sit in subfolders)
    const depth = (path: string): number => path.split('/').length;
    const shallowest = Math.min(...all.map(depth));
    const candidates = all.filter((path) => depth(path) === shallowest);
    if (all.length === 0) {
      const cFiles = [...this.files.keys()].filter((path) => path.endsWith('.c'));
      throw invalid(this.label, `there is no kshram.c${cFiles.length ? ` (C files found: ${cFiles.slice(0, 5).join(', ')})` : ''}`, 'The module source must be named kshram.c, as the lab asks.');
    }
    if (candidates.length > 1) {
      throw invalid(this.label, `there are ${candidates.length} kshram.c files (${candidates.slice(0, 5).join(', ')}); which one is the submission is unclear`, 'Submit exactly one kshram.c.');
    }
    const dir = posix.dirname(candidates[0]!);
    await mkdir(workspaceDir, { recursive: true });
    const written: string[] = [];
    for (const [path, content] of this.files) {
      if (posix.dirname(path) !== dir) continue;
      if (isBinary(content)) throw invalid(this.label, `${path} is not a C source file (it holds binary data)`, 'Submit the module source as text.');
    }
    for (const [path, content] of this.files) {
      if (posix.dirname(path) !== dir) continue;
      const name = posix.basename(path);
      await writeFile(join(workspaceDir, name), content);
      written.push(name);
    }
    return written.sort();
  }
}

/** Control characters other than tab, newlines and form feed: a text file has next to none. */
const CONTROL = /[\x01-\x08\x0e-\x1f\x7f]/g;
/** More than this share of control characters is binary data, not a source file in some odd encoding. */
const MAX_CONTROL_SHARE = 0.01;

/** A NUL anywhere, or many control characters: not a source file, whatever its first bytes say. */
export function isBinary(content: Buffer): boolean {
  if (content.includes(0)) return true;
  const controls = content.toString('latin1').match(CONTROL)?.length ?? 0;
  return controls > content.length * MAX_CONTROL_SHARE;
}
