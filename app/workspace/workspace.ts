import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { EDITOR_FILES, MAX_FILE_CHARS, type FileContent, type SavedFile, type WorkspaceInfo } from './files.js';
import { LabError } from '../errors.js';
import { resolveInside } from './confine.js';
import { refuseSystemFolder } from './system-folders.js';

/** A source file's size on disk: the engine builds nothing larger (build/module.ts), the editor opens nothing larger. */
export const MAX_FILE_BYTES = MAX_FILE_CHARS;
/** Any of the write permission bits (owner, group, others). */
const WRITE_BITS = 0o222;

/**
 * An open workspace: a folder with the student's kshram.c. Every file
 * access goes through confinement, every save is atomic (a temporary file
 * in the same folder, fsynced, renamed over the old one), so a crash never
 * leaves a half-written kshram.c.
 */
export class Workspace {
  private constructor(readonly dir: string) {}

  /** Opens an existing folder that holds kshram.c. */
  static async open(dir: string): Promise<Workspace> {
    const absolute = resolve(expandHome(dir));
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new LabError('WORKSPACE_INVALID', `There is no folder ${absolute}.`, 'Check the path, or create a workspace from a template.');
    }
    if (!info.isDirectory()) throw new LabError('WORKSPACE_INVALID', `${absolute} is a file, not a folder.`, 'Open the folder that holds your kshram.c.');
    const real = await realpath(absolute);
    await refuseSystemFolder(real);
    try {
      await stat(join(real, 'kshram.c'));
    } catch {
      throw new LabError('WORKSPACE_INVALID', `There is no kshram.c in ${real}.`, 'Open the folder that holds your kshram.c, or create a workspace there from a template.');
    }
    return new Workspace(real);
  }

  async info(): Promise<WorkspaceInfo> {
    const files = await Promise.all(EDITOR_FILES.map(async (path) => ({ path, exists: await exists(join(this.dir, path)) })));
    return { dir: this.dir, files };
  }

  /** Reads a file; a missing one reads as empty with exists: false. */
  async read(path: string): Promise<FileContent> {
    const full = await resolveInside(this.dir, path);
    const rel = relative(this.dir, full);
    try {
      const info = await stat(full);
      if (!info.isFile()) throw new LabError('BAD_ARGUMENT', `${rel} is not a file.`);
      if (info.size > MAX_FILE_BYTES) throw new LabError('WORKSPACE_INVALID', `${rel} is ${info.size} bytes, too large to edit here.`, 'Module sources stay well under 1 MiB.');
      return { path: rel, exists: true, content: await readFile(full, 'utf8'), mtimeMs: info.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: rel, exists: false, content: '', mtimeMs: 0 };
      throw err;
    }
  }

  /** Saves atomically; parent folders inside the workspace are created. */
  async save(path: string, content: string): Promise<SavedFile> {
    const full = await resolveInside(this.dir, path);
    const rel = relative(this.dir, full);
    if (full === this.dir) throw new LabError('BAD_ARGUMENT', 'Cannot save over the workspace folder itself.');
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > MAX_FILE_BYTES) {
      // it could be saved, but then neither opened again nor built
      throw new LabError('WORKSPACE_INVALID', `${rel} would be ${bytes} bytes in UTF-8, more than the ${MAX_FILE_BYTES} a source file may be; it was not saved.`, 'Module sources stay well under 1 MiB; your edits are still in the editor.');
    }
    const existing = await stat(full).catch(() => undefined);
    if (existing && (existing.mode & WRITE_BITS) === 0) {
      // an atomic save renames over the file, which would replace it even though it is read-only
      throw new LabError('WORKSPACE_INVALID', `${rel} is read-only; it was not saved.`, `Make it writable (chmod u+w ${full}) and save again; your edits are still in the editor.`);
    }
    try {
      await mkdir(resolve(full, '..'), { recursive: true });
      await writeFileAtomic(full, content, { encoding: 'utf8', fsync: true });
    } catch (err) {
      throw new LabError('WORKSPACE_INVALID', `Could not save ${rel}: ${(err as Error).message}`, 'Check that the folder is writable and the disk is not full; your edits are still in the editor.');
    }
    return { path: rel, mtimeMs: (await stat(full)).mtimeMs };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** "~/lab" as a shell would read it: people type it into the path field. */
export function expandHome(path: string): string {
  const home = process.env.HOME;
  if (home && (path === '~' || path.startsWith('~/'))) return join(home, path.slice(1));
  return path;
}
