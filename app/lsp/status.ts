/**
 * The editor's language server as the workbench sees it. The API contract
 * takes these types from here; this file imports only types, so the
 * renderer's typecheck can read it.
 */
import type { LabErrorData } from '../errors.js';

/** The editor's language server (clangd) for the open workspace. */
export interface LspStatus {
  state: 'off' | 'starting' | 'running' | 'unavailable' | 'failed';
  /** Each clangd started gets a new number; messages of an older one are dropped. */
  generation: number;
  kit?: string;
  /** One line for the status bar, or what to do when it cannot run. */
  message?: string;
  error?: LabErrorData;
}

export interface LspStartInfo {
  /** False when clangd is not installed (status.message says how to get it). */
  available: boolean;
  generation: number;
  /** The workspace, as the language server's root. */
  rootUri?: string;
  kit?: string;
  status: LspStatus;
}

/** A file opened from go-to-definition: a kit header, shown read-only. */
export interface LspFile {
  uri: string;
  /** Absolute, symlinks resolved. */
  path: string;
  /** Short name for a tab: include/linux/slab.h. */
  label: string;
  content: string;
  readOnly: boolean;
}
