import type { BuildOutcome, GradeProgress } from '../api/contract.js';

/** What the workbench showed for a workspace when the student left it. */
export interface WorkspaceSnapshot {
  build?: BuildOutcome;
  /** The last grade (never one still running: a grade holds the workspace). */
  grade?: GradeProgress;
  /** The console's last output: the stopped VM's, or the grader's. */
  consoleTail: string;
}

/** Workspaces only this many: a student switches between a few folders, not hundreds. */
const MAX_REMEMBERED = 16;

/**
 * Each workspace's own state for this session: going back to a folder
 * shows its last build, its last grade (with the code it was for) and its
 * console, not the other folder's or nothing.
 */
export class WorkspaceMemory {
  private readonly byDir = new Map<string, WorkspaceSnapshot>();

  keep(dir: string, snapshot: WorkspaceSnapshot): void {
    this.byDir.delete(dir);
    this.byDir.set(dir, snapshot);
    while (this.byDir.size > MAX_REMEMBERED) this.byDir.delete(this.byDir.keys().next().value!);
  }

  recall(dir: string): WorkspaceSnapshot | undefined {
    return this.byDir.get(dir);
  }
}
