import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_SOURCE_BYTES } from '../build/module.js';

/** Longer quoted lines are cut: a quote is a reminder of the line, not the line's full text. */
const MAX_QUOTE_CHARS = 120;
/**
 * Opened never to follow a last-component link nor wait on a FIFO or
 * device (a FIFO named `kshram.c` would otherwise block the grade).
 */
const SAFE_OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The student's sources of one build: the folder the build compiled in and the files it copied there. */
export interface OwnSources {
  /** The build folder (the private copy the build compiled). */
  dir: string;
  /** The names the build copied into it from the submission ("kshram.c", "kshram.h"). */
  files: readonly string[];
}

/**
 * Quotes lines of a student's sources, and only of them: the files the
 * build itself copied into its folder. A DWARF line table can name any
 * path (`.file 150 "kshram.c/../../../root/secret.txt"`, `/dev/stdin`,
 * `/proc/self/environ`), so a name from DWARF is never opened: it is
 * matched, by real path, against the copied files, and only a match is
 * read — a regular file, opened without following links or blocking, at
 * most a source's size. Each file is read once (the private copy, so the
 * quote matches the .ko even when the student has edited the file since).
 */
export class SourceLines {
  private readonly lines = new Map<string, Promise<string[] | undefined>>();
  private readonly realFiles: Promise<Map<string, string>>;

  constructor(private readonly sources: OwnSources) {
    this.realFiles = realNames(sources);
  }

  /**
   * Which of the student's files a DWARF file name is ("kshram.c"), or
   * undefined when it is anything else (a kernel header, a path that
   * climbs out of the folder, a device). Nothing is opened to decide.
   */
  async own(dwarfFile: string | undefined): Promise<string | undefined> {
    if (!dwarfFile) return undefined;
    const files = await this.realFiles;
    const real = await realpath(dwarfFile.startsWith('/') ? dwarfFile : join(this.sources.dir, dwarfFile)).catch(() => undefined);
    return real ? files.get(real) : undefined;
  }

  /** Line `line` (1-based) of the student's file `name`, trimmed; undefined when it or the line is missing. */
  async quote(name: string, line: number): Promise<string | undefined> {
    const text = (await this.read(name))?.[line - 1]?.trim();
    if (!text) return undefined;
    return text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS - 1)}…` : text;
  }

  /** Lines `line - around` .. `line + around` of the student's file `name` as they are (tabs kept), with the first one's number. */
  async excerpt(name: string, line: number, around: number): Promise<{ firstLine: number; lines: string[] } | undefined> {
    const all = await this.read(name);
    if (!all || line < 1 || line > all.length) return undefined;
    const firstLine = Math.max(1, line - around);
    return { firstLine, lines: all.slice(firstLine - 1, Math.min(all.length, line + around)) };
  }

  private read(name: string): Promise<string[] | undefined> {
    let found = this.lines.get(name);
    if (!found) {
      found = this.realFiles.then((files) => {
        const path = [...files].find(([, own]) => own === name)?.[0];
        return path ? readSmallFile(path) : undefined;
      });
      this.lines.set(name, found);
    }
    return found;
  }
}

/** Real path -> name of each copied file that is there (a name with a slash or ".." is not one the build copied). */
async function realNames(sources: OwnSources): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const dir = await realpath(sources.dir).catch(() => undefined);
  if (!dir) return files;
  for (const name of sources.files) {
    if (!name || name.includes('/') || name === '.' || name === '..') continue;
    files.set(join(dir, name), name);
  }
  return files;
}

/** A regular file's lines, or undefined when it is anything else or larger than a source may be. */
async function readSmallFile(path: string): Promise<string[] | undefined> {
  const handle = await open(path, SAFE_OPEN_FLAGS).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SOURCE_BYTES) return undefined;
    const buffer = Buffer.alloc(MAX_SOURCE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      // it grew past a source's size while being read: not a source
      if (length > MAX_SOURCE_BYTES) return undefined;
    }
    return buffer.subarray(0, length).toString('utf8').split('\n');
  } finally {
    await handle.close();
  }
}
