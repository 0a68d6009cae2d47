import type { GradeProgress, GradeResult } from '../api/contract.js';
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

  constructor(
    private readonly flow: ConsoleFlow,
    private readonly emit: Emit,
  ) {}

  get progress(): GradeProgress | undefined {
    return this.current?.progress;
  }

  run(workspaceDir: string, kitName: string, checked: boolean): Promise<GradeResult> {
    this.flow.push(banner("grading: the grader's VM console follows (read-only)"));
    const run = new WorkbenchGrade(workspaceDir, kitName, checked, {
      onStage: (stage, detail, vmStartedAt) => this.emit('grade.stage', { stage, detail, vmStartedAt }),
      onItemStart: (id) => this.emit('grade.itemStart', { id }),
      onItemEnd: (item) => this.emit('grade.itemEnd', { item }),
      onDone: (outcome) => {
        this.flow.push(banner(outcome.result ? `graded: ${outcome.result.total}/${outcome.result.max}` : `grading stopped: ${outcome.error?.message ?? ''}`));
        this.emit('grade.done', outcome);
      },
      onConsoleData: (text) => this.flow.push(text),
    });
    this.current = run;
    this.emit('grade.started', run.progress);
    return run.run();
  }

  cancel(): void {
    this.current?.cancel();
  }

  /** Another workspace: its grade is not this one's. */
  forget(): void {
    this.current = undefined;
  }
}
