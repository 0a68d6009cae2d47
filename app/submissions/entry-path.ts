import { posix } from 'node:path';

/**
 * Archive entry names, checked before anything is written: an absolute
 * name or one that climbs out with ".." is path traversal, whatever the
 * archive tool would do with it.
 */
export type EntryPath = { ok: true; path: string } | { ok: false; reason: string; suggestion?: string };

/** Linux's NAME_MAX: no file system here can hold a longer file or folder name, so none is written. */
export const MAX_NAME_BYTES = 255;
/** An entry name quoted in a message is cut to this many characters (the message names the limit, not 300 a's). */
const QUOTED_NAME_CHARS = 60;

/** An entry's name as a message quotes it: whole when short, else its start and end around an ellipsis. */
export function quotedName(name: string): string {
  if (name.length <= QUOTED_NAME_CHARS) return name;
  const tail = Math.floor(QUOTED_NAME_CHARS / 3);
  return `${name.slice(0, QUOTED_NAME_CHARS - tail - 1)}…${name.slice(-tail)}`;
}

export function checkEntryPath(name: string): EntryPath {
  if (name.includes('\0')) return { ok: false, reason: 'has a NUL byte in its name' };
  const longest = Math.max(...name.split(/[\\/]/).map((part) => Buffer.byteLength(part)));
  if (longest > MAX_NAME_BYTES) {
    return { ok: false, reason: `has a name of ${longest} bytes, longer than any file name can be (at most ${MAX_NAME_BYTES} bytes)`, suggestion: `Give every file and folder a name of at most ${MAX_NAME_BYTES} bytes, or leave it out of the submission.` };
  }
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return { ok: false, reason: 'has an absolute path (path traversal)' };
  const normal = posix.normalize(slashed);
  if (normal === '..' || normal.startsWith('../') || slashed.split('/').includes('..')) return { ok: false, reason: 'climbs out of the archive with ".." (path traversal)' };
  return { ok: true, path: normal.replace(/^\.\//, '').replace(/\/$/, '') };
}

/** Where a symbolic link at `path` pointing to `target` leads, or undefined when that is outside the archive. */
export function linkInside(path: string, target: string): string | undefined {
  if (target.startsWith('/') || target.includes('\0')) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target.replace(/\\/g, '/')));
  return resolved === '..' || resolved.startsWith('../') ? undefined : resolved;
}

/** Files a module build uses: C sources, headers and a Makefile/Kbuild. */
export function isSourceFile(path: string): boolean {
  const base = posix.basename(path);
  return /\.[ch]$/.test(base) || base === 'Makefile' || base === 'Kbuild';
}

/** Resource forks and editor clutter that archivers add: never part of a submission. */
export function isClutter(path: string): boolean {
  return path.split('/').some((part) => part === '__MACOSX' || part === '.git' || part === 'node_modules' || part.startsWith('._'));
}
