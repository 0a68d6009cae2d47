import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isInside } from '../paths.js';

/** The file a file: URI names, or undefined when it is not a plain local file URI. */
export function uriPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The real path of a URI's file when it lies under one of the roots (symlinks resolved), else undefined. */
export async function confinedPath(uri: string, roots: readonly string[]): Promise<string | undefined> {
  const path = uriPath(uri);
  if (!path) return undefined;
  const real = await realpath(path).catch(() => undefined);
  return real && roots.some((root) => isInside(root, real)) ? real : undefined;
}

/** Every `uri` string inside an LSP message's params (textDocument.uri, location uris, ...). */
export function urisIn(value: unknown, found: string[] = [], depth = 0): string[] {
  if (depth > 8 || value === null || typeof value !== 'object') return found;
  for (const [key, item] of Object.entries(value)) {
    if ((key === 'uri' || key === 'rootUri') && typeof item === 'string') found.push(item);
    else urisIn(item, found, depth + 1);
  }
  return found;
}
