import type { ApiError, ServiceGradeResult, ServiceRunEvent, ServiceSubmission } from '../../../app/api';
import type { GradeView } from './GradePane';

/**
 * One submission to the course service as the Grade pane shows it: where
 * it is (queued, running, graded), its items so far, and once done the
 * stored result. Built from the live socket's events, or from a stored
 * submission. The pages use it with the service's full types (a crash,
 * the uploader), the workbench's Submit with what its API relays.
 */
export interface LiveRun<R extends ServiceGradeResult = ServiceGradeResult, S extends ServiceSubmission = ServiceSubmission> {
  submission?: S;
  grade: GradeView;
  /** The whole stored report once graded. */
  result?: R;
  error?: ApiError;
}

export const finished = (s: ServiceSubmission): boolean => s.state === 'graded' || s.state === 'error';

/** Where a queued submission is, in words: "next in line", "3 ahead of yours". */
export function waitingWords(s: ServiceSubmission): string | undefined {
  if (s.state === 'running') return 'a grader has it: building and booting';
  if (s.state !== 'queued') return undefined;
  if (!s.position || s.position <= 1) return 'waiting in the queue: next in line';
  const ahead = s.position - 1;
  return `waiting in the queue: ${ahead} submission${ahead === 1 ? '' : 's'} ahead of yours`;
}

export function emptyRun<R extends ServiceGradeResult, S extends ServiceSubmission>(submission?: S): LiveRun<R, S> {
  return { submission, grade: { running: submission ? !finished(submission) : false, stageDetail: submission && waitingWords(submission), items: [] } };
}

/** A stored submission (the history, a permanent link) as a finished or waiting run. */
export function runFromDetail<R extends ServiceGradeResult, S extends ServiceSubmission>(detail: S & { result?: R }): LiveRun<R, S> {
  const { result, ...rest } = detail;
  const submission = rest as unknown as S;
  if (!result) {
    const run = emptyRun<R, S>(submission);
    return { ...run, error: detail.error, grade: { ...run.grade, error: detail.error } };
  }
  return { submission, result, error: detail.error, grade: { running: false, items: result.items, result, error: detail.error } };
}

/** True when this event starts the run over: what was shown of it belongs to a dead attempt. */
export const restartsRun = <R extends ServiceGradeResult, S extends ServiceSubmission>(run: LiveRun<R, S>, event: ServiceRunEvent<R, S>): boolean =>
  event.name === 'grade.stage' && event.payload.stage === 'build' && (run.grade.items.length > 0 || run.grade.runningItem !== undefined);

/** The run after one more event of the live socket (console output is the terminal's, not the pane's). */
export function applyLive<R extends ServiceGradeResult, S extends ServiceSubmission>(run: LiveRun<R, S>, event: ServiceRunEvent<R, S>): LiveRun<R, S> {
  switch (event.name) {
    case 'submission.state': {
      const s = event.payload;
      const done = finished(s);
      const detail = waitingWords(s) ?? run.grade.stageDetail;
      // a queued (or re-queued) submission starts over: a new attempt's items are not the old one's
      const items = s.state === 'queued' ? [] : run.grade.items;
      return { ...run, submission: s, error: s.error ?? run.error, grade: { ...run.grade, items, running: !done && !run.result, stageDetail: done ? undefined : detail, error: s.error ?? run.grade.error } };
    }
    case 'grade.stage': {
      const { stage, detail, vmStartedAt } = event.payload;
      // a build after items were shown is a new attempt (its worker died): the run starts over
      const restart = (stage === 'build' && detail === 'starting') || restartsRun(run, event);
      const base: GradeView = restart ? { ...run.grade, items: [], vmStartedAt: undefined, result: undefined } : run.grade;
      return { ...run, grade: { ...base, running: stage !== 'done', stage, stageDetail: detail, vmStartedAt: vmStartedAt ?? base.vmStartedAt } };
    }
    case 'grade.itemStart':
      return { ...run, grade: { ...run.grade, runningItem: event.payload.id } };
    case 'grade.itemEnd': {
      const items = [...run.grade.items.filter((i) => i.id !== event.payload.item.id), event.payload.item].sort((a, b) => a.id - b.id);
      return { ...run, grade: { ...run.grade, items, runningItem: undefined } };
    }
    case 'grade.done': {
      const { result, error } = event.payload;
      const settled = result ?? run.result;
      return { ...run, result: settled, error, grade: { ...run.grade, running: false, runningItem: undefined, stageDetail: undefined, items: result?.items ?? run.grade.items, result: settled, error } };
    }
    case 'console.data':
      return run;
  }
}
