import type { ApiError, GradeClock, GradeItem, GradeProgress, GradeResult, GradeStage } from '../api/contract.js';
import { cancelledError } from '../boot/boot-guest.js';
import { toErrorData } from '../errors.js';
import { gradeSubmission } from '../grade/runner.js';
import { toGradeItem, toGradeResult } from './convert.js';

export interface GradeEvents {
  onStage(stage: GradeStage, detail: string): void;
  onClock(clock: GradeClock): void;
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
  private readonly state: Omit<GradeProgress, 'clock'>;
  /** The engine's start of the limit (epoch ms); the items' end once known. */
  private vmStartedAt: number | undefined;
  private finalMs: number | undefined;

  constructor(
    private readonly workspaceDir: string,
    private readonly kitName: string,
    /** A checked grade (app/checked): findings are notes and problems, never points. */
    private readonly checked: boolean,
    private readonly events: GradeEvents,
    /** What the workspace's sources were when the grade started. */
    sourcesDigest: string,
  ) {
    this.state = { running: true, items: [], sourcesDigest };
  }

  /** Where the grade is now, its clock read at this moment. */
  get progress(): GradeProgress {
    const clock = this.clock();
    return { ...this.state, items: [...this.state.items], ...(clock ? { clock } : {}) };
  }

  cancel(): void {
    this.abort.abort();
  }

  async run(): Promise<GradeResult> {
    const { state, events } = this;
    try {
      const report = await gradeSubmission(this.workspaceDir, {
        kit: this.kitName,
        checked: this.checked,
        signal: this.abort.signal,
        listener: {
          onStage: (stage, detail) => {
            state.stage = stage;
            state.stageDetail = detail;
            events.onStage(stage, detail);
          },
          onVmStarted: (startedAt) => {
            this.vmStartedAt = startedAt;
            this.finalMs = undefined;
            events.onClock(this.clock()!);
          },
          onItemsDone: (vmElapsedMs) => this.stopClock(vmElapsedMs),
          onItemStart: (id) => {
            state.runningItem = id;
            events.onItemStart(id);
          },
          onItemEnd: (item) => {
            const converted = toGradeItem(item);
            state.items.push(converted);
            state.runningItem = undefined;
            events.onItemEnd(converted);
          },
          onConsoleData: (text) => events.onConsoleData(text),
        },
      });
      state.result = toGradeResult(report);
      // the report's time is the clock's (onItemsDone said it already)
      this.stopClock(state.result.vmElapsedMs);
      events.onDone({ result: state.result });
      return state.result;
    } catch (err) {
      const error = this.abort.signal.aborted ? cancelledError('Grading') : err;
      state.error = toErrorData(error);
      // ended before its items were: the clock stops where the grade did
      if (this.vmStartedAt !== undefined && this.finalMs === undefined) this.stopClock(Date.now() - this.vmStartedAt);
      events.onDone({ error: state.error });
      throw error;
    } finally {
      state.running = false;
      state.runningItem = undefined;
    }
  }

  private clock(): GradeClock | undefined {
    if (this.vmStartedAt === undefined) return undefined;
    return this.finalMs !== undefined ? { elapsedMs: this.finalMs, running: false } : { elapsedMs: Math.max(0, Date.now() - this.vmStartedAt), running: true };
  }

  private stopClock(elapsedMs: number): void {
    if (this.finalMs === elapsedMs) return;
    this.finalMs = elapsedMs;
    this.events.onClock({ elapsedMs, running: false });
  }
}
