import type { ApiError, GradeItem, GradeProgress, GradeResult, GradeStage } from '../api/contract.js';
import { cancelledError } from '../boot/boot-guest.js';
import { toErrorData } from '../errors.js';
import { gradeSubmission } from '../grade/runner.js';
import { toGradeItem, toGradeResult } from './convert.js';

export interface GradeEvents {
  onStage(stage: GradeStage, detail: string, vmStartedAt?: number): void;
  onItemStart(id: number): void;
  onItemEnd(item: GradeItem): void;
  onDone(outcome: { result?: GradeResult; error?: ApiError }): void;
  onConsoleData(text: string): void;
}

/**
 * One grade of a workspace, run by the engine's grader in its own VM,
 * with its progress kept so a UI that reconnects midway can redraw it.
 */
export class WorkbenchGrade {
  private readonly abort = new AbortController();
  readonly progress: GradeProgress = { running: true, items: [] };

  constructor(
    private readonly workspaceDir: string,
    private readonly kitName: string,
    /** A checked grade (app/checked): findings are notes and problems, never points. */
    private readonly checked: boolean,
    private readonly events: GradeEvents,
  ) {}

  cancel(): void {
    this.abort.abort();
  }

  async run(): Promise<GradeResult> {
    const { progress, events } = this;
    try {
      const report = await gradeSubmission(this.workspaceDir, {
        kit: this.kitName,
        checked: this.checked,
        signal: this.abort.signal,
        listener: {
          onStage: (stage, detail) => {
            if (stage === 'boot') progress.vmStartedAt = Date.now();
            progress.stage = stage;
            progress.stageDetail = detail;
            events.onStage(stage, detail, progress.vmStartedAt);
          },
          onItemStart: (id) => {
            progress.runningItem = id;
            events.onItemStart(id);
          },
          onItemEnd: (item) => {
            const converted = toGradeItem(item);
            progress.items.push(converted);
            progress.runningItem = undefined;
            events.onItemEnd(converted);
          },
          onConsoleData: (text) => events.onConsoleData(text),
        },
      });
      progress.result = toGradeResult(report);
      events.onDone({ result: progress.result });
      return progress.result;
    } catch (err) {
      const error = this.abort.signal.aborted ? cancelledError('Grading') : err;
      progress.error = toErrorData(error);
      events.onDone({ error: progress.error });
      throw error;
    } finally {
      progress.running = false;
      progress.runningItem = undefined;
    }
  }
}
