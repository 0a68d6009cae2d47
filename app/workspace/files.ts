/**
 * The workspace's files as the editor sees them. The API contract takes
 * these types from here; this file imports nothing, so the renderer's
 * typecheck can read it.
 */
/** A module source larger than this is not a student's kshram.c (the engine refuses 1 MiB too). */
export const MAX_FILE_CHARS = 1024 * 1024;

/** The files the editor shows as tabs, in tab order. */
export const EDITOR_FILES = ['kshram.c', 'kshram.h', 'Makefile'] as const;
export type EditorFile = (typeof EDITOR_FILES)[number];

export interface WorkspaceInfo {
  /** Absolute, symlinks resolved. */
  dir: string;
  files: Array<{ path: EditorFile; exists: boolean }>;
}

export interface FileContent {
  path: string;
  /** False when the file is not in the workspace (kshram.h: the build then uses the seed's). */
  exists: boolean;
  content: string;
  mtimeMs: number;
}

export interface SavedFile {
  path: string;
  mtimeMs: number;
}

export type Template = 'starter' | 'reference';
