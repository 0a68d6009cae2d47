import { EDITOR_FILES, type GradeProgress, type GradeResult } from '../api/contract.js';
import { sourcesDigest } from '../api/sources-digest.js';
import type { Workspace } from '../workspace/workspace.js';
import type { ConsoleFlow } from './console-flow.js';
import { banner, type Emit } from './emit.js';
import { WorkbenchGrade } from './workbench-grade.js';

/**
 * The workbench's grades: one at a time, in the grader's own VM, its
 * console in the terminal (read-only), its progress kept for a UI that
 * reconnects midway.
 */
export class GradeController {
  private current: WorkbenchGrade | undefined;
  private remembered: GradeProgress | undefined;

  constructor(
    private readonly flow: ConsoleFlow,
    private readonly emit: Emit,
  ) {}

  get progress(): GradeProgress | undefined {
    return this.current?.progress ?? this.remembered;
  }

  async run(workspace: Workspace, kitName: string, checked: boolean): Promise<GradeResult> {
    const digest = await workspaceDigest(workspace);
    this.flow.push(banner("grading: the grader's VM console follows (read-only)"));
    const run = new WorkbenchGrade(workspace.dir, kitName, checked, {
      onStage: (stage, detail) => this.emit('grade.stage', { stage, detail }),
      onClock: (clock) => this.emit('grade.clock', clock),
      onItemStart: (id) => this.emit('grade.itemStart', { id }),
      onItemEnd: (item) => this.emit('grade.itemEnd', { item }),
      onDone: (outcome) => {
        this.flow.push(banner(outcome.result ? `graded: ${outcome.result.total}/${outcome.result.max}` : `grading stopped: ${outcome.error?.message ?? ''}`));
        this.emit('grade.done', outcome);
      },
      onConsoleData: (text) => this.flow.push(text),
    }, digest);
    this.current = run;
    this.emit('grade.started', run.progress);
    return run.run();
  }

  /** A grade kept from another visit to this workspace (the session remembers each workspace's last). */
  restore(progress: GradeProgress | undefined): void {
    this.current = undefined;
    this.remembered = progress;
  }

  cancel(): void {
    this.current?.cancel();
  }

}

/** The digest of the files the editor shows, as they are on disk (Grade saves them first). */
async function workspaceDigest(workspace: Workspace): Promise<string> {
  const contents = new Map(await Promise.all(EDITOR_FILES.map(async (path) => [path, (await workspace.read(path).catch(() => undefined))?.content ?? ''] as const)));
  return sourcesDigest((path) => contents.get(path) ?? '');
}
