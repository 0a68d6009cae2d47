import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EDITOR_FILES, type Template } from './files.js';
import { LabError } from '../errors.js';
import { moduleDir, projectRoot } from '../paths.js';
import { refuseSystemFolder } from './system-folders.js';
import { expandHome, Workspace } from './workspace.js';

const templatesDir = join(projectRoot, 'resources', 'templates');

/**
 * Where each template's files come from. The reference module is read
 * from module/ when the workspace is created, so it is never a stale copy.
 */
export function templateSources(template: Template): Record<(typeof EDITOR_FILES)[number], string> {
  return {
    'kshram.c': template === 'reference' ? join(moduleDir, 'kshram.c') : join(templatesDir, 'starter', 'kshram.c'),
    'kshram.h': join(moduleDir, 'kshram.h'),
    Makefile: join(moduleDir, 'Makefile'),
  };
}

/**
 * Creates a workspace from a template in `dir` (made if missing). Refuses
 * to overwrite: a folder that already has any of the files is left as is.
 */
export async function createWorkspace(dir: string, template: Template): Promise<Workspace> {
  const target = resolve(expandHome(dir));
  await refuseSystemFolder(target);
  const info = await stat(target).catch(() => undefined);
  if (info && !info.isDirectory()) throw new LabError('WORKSPACE_INVALID', `${target} is a file, not a folder.`, 'Choose a new or empty folder for the workspace.');
  if (info) {
    const present = (await readdir(target)).filter((name) => (EDITOR_FILES as readonly string[]).includes(name));
    if (present.length) {
      throw new LabError('WORKSPACE_INVALID', `${target} already has ${present.join(', ')}; creating a workspace there would overwrite it.`, 'Open that folder instead, or choose a new folder for the template.');
    }
  }
  try {
    await mkdir(target, { recursive: true });
    for (const [name, source] of Object.entries(templateSources(template))) await copyFile(source, join(target, name));
  } catch (err) {
    throw new LabError('WORKSPACE_INVALID', `Could not create the workspace in ${target}: ${(err as Error).message}`, 'Choose a folder you can write to.');
  }
  return Workspace.open(target);
}
