/**
 * Unsaved edits survive a reload or a crash: each dirty file's text is
 * kept in localStorage until it is saved or deliberately discarded.
 */

export interface Draft {
  content: string;
  /** The file's mtime when the edits began, to notice it changed on disk since. */
  baseMtimeMs: number;
  savedAt: number;
}

const key = (workspace: string, path: string): string => `kshram-lab:draft:${workspace}:${path}`;

export function loadDraft(workspace: string, path: string): Draft | undefined {
  try {
    const raw = localStorage.getItem(key(workspace, path));
    return raw ? (JSON.parse(raw) as Draft) : undefined;
  } catch {
    return undefined;
  }
}

export function storeDraft(workspace: string, path: string, draft: Draft): void {
  try {
    localStorage.setItem(key(workspace, path), JSON.stringify(draft));
  } catch {
    // storage full or disabled: the edits are still in the editor
  }
}

export function dropDraft(workspace: string, path: string): void {
  localStorage.removeItem(key(workspace, path));
}
