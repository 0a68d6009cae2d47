import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compatIncludePath, prepareCompat } from '../build/compat.js';
import type { Kit } from '../kit/kit.js';
import { cacheDir, moduleDir } from '../paths.js';
import { withoutGccOnlyFlags } from './gcc-only-flags.js';
import { kbuildFlags } from './kbuild-flags.js';

/** The seed's headers, found by `#include "kshram.h"` when the workspace has none (as the build copies them). */
const FALLBACK_HEADERS = ['kshram.h'];
/** The file the editor's language server compiles. */
export const MAIN_FILE = 'kshram.c';

/** The user-cache folder of one kit's language data (flags, clangd config). */
export const kitLspDir = (kit: string): string => join(cacheDir(), 'lsp', kit);

/** A private folder per workspace and kit: compile_commands.json, the compat include, clangd's index. */
export function workspaceLspDir(kit: string, workspaceDir: string): string {
  const id = createHash('sha256').update(workspaceDir).digest('hex').slice(0, 16);
  return join(kitLspDir(kit), `ws-${id}`);
}

export interface CompileDatabase {
  /** Folder with compile_commands.json (clangd's --compile-commands-dir). */
  dir: string;
  /** The command, as written. */
  command: string[];
}

/**
 * Writes compile_commands.json for the workspace's kshram.c on a kit: the
 * exact compiler command kbuild uses, the compat header force-included as
 * the build does (same generated include, same -D switches), and the seed's
 * kshram.h after the workspace's own headers, without the gcc-only flags
 * clang does not know. Nothing is written into the workspace.
 */
export async function writeCompileDatabase(kit: Kit, workspaceDir: string): Promise<CompileDatabase> {
  const dir = workspaceLspDir(kit.name, workspaceDir);
  const fallbackDir = join(dir, 'fallback-include');
  await mkdir(fallbackDir, { recursive: true });
  for (const name of FALLBACK_HEADERS) await copyFile(join(moduleDir, name), join(fallbackDir, name));
  const flags = await kbuildFlags(kit, kitLspDir(kit.name));
  const source = join(workspaceDir, MAIN_FILE);
  const compat = existsSync(source) ? await prepareCompat(source, dir, kit) : undefined;
  // prepareCompat writes its include only when a shim is on; an empty one keeps the command stable
  if (!compat?.kcflags.includes('-include')) {
    await mkdir(join(dir, '.kshram-lab'), { recursive: true });
    await writeFile(compatIncludePath(dir), '/* kshram lab: no compat shim is needed for this source on this kit */\n');
  }
  const compatFlags = compat?.kcflags.filter((f, i, all) => f !== '-include' && all[i - 1] !== '-include') ?? [];
  const command = [...withoutGccOnlyFlags(flags.args), ...compatFlags, '-include', compatIncludePath(dir), '-idirafter', fallbackDir, source];
  const text = JSON.stringify([{ directory: flags.directory, file: source, arguments: command }], null, 1);
  const path = join(dir, 'compile_commands.json');
  const old = existsSync(path) ? await readFile(path, 'utf8') : '';
  if (old !== text) await writeFile(path, text);
  return { dir, command };
}
