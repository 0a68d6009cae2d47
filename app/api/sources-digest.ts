import { EDITOR_FILES, type EditorFile } from '../workspace/files.js';

/**
 * One short digest of a workspace's sources as the workbench shows them
 * (kshram.c, kshram.h, Makefile; a missing file counts as empty), the same
 * on both sides: the engine notes it when a grade starts, the editor
 * compares it with what it holds, so a score of older code is marked as
 * such after a reload or in another tab too. FNV-1a, 32 bits: it tells
 * versions apart, it is no protection against anyone.
 */
export function sourcesDigest(contentOf: (path: EditorFile) => string): string {
  return digest(EDITOR_FILES.map((path) => ({ path, content: contentOf(path) })));
}

function digest(files: ReadonlyArray<{ path: string; content: string }>): string {
  let hash = 0x811c9dc5;
  for (const { path, content } of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    for (const text of [path, '\0', content, '\0']) {
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    }
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
