import type { GradeReportJson, LiveEvent, ServiceError, SubmissionDetail, SubmissionView } from '../../../app/service/contract';
import type { GradeView } from './GradePane';

/**
 * One submission to the course service as the Grade pane shows it: where
 * it is (queued, running, graded), its items so far, and once done the
 * stored result. Built from the live socket's events, or from a stored
 * submission; the workbench's Submit and the pages share it.
 */
export interface LiveRun {
  submission?: SubmissionView;
  grade: GradeView;
  /** The whole `grade --json` object once graded (crash, build, notes). */
  result?: GradeReportJson;
  error?: ServiceError;
}

export const emptyRun = (submission?: SubmissionView): LiveRun => ({ submission, grade: { running: submission ? !finished(submission) : false, stageDetail: submission && waitingWords(submission), items: [] } });

export const finished = (s: SubmissionView): boolean => s.state === 'graded' || s.state === 'error';

/** Where a queued submission is, in words: "next in line", "3 ahead of yours". */
export function waitingWords(s: SubmissionView): string | undefined {
  if (s.state === 'running') return 'a grader has it: building and booting';
  if (s.state !== 'queued') return undefined;
  if (!s.position || s.position <= 1) return 'waiting in the queue: next in line';
  const ahead = s.position - 1;
  return `waiting in the queue: ${ahead} submission${ahead === 1 ? '' : 's'} ahead of yours`;
}

/** A stored submission (the history, a permanent link) as a finished or waiting run. */
export function runFromDetail(detail: SubmissionDetail): LiveRun {
  const { result, ...submission } = detail;
  if (!result) return { ...emptyRun(submission), error: detail.error, grade: { ...emptyRun(submission).grade, error: detail.error } };
  return { submission, result, error: detail.error, grade: { running: false, items: result.items, result, error: detail.error } };
}

/** True when this event starts the run over: the console shown so far belongs to a dead attempt. */
export const restartsRun = (run: LiveRun, event: LiveEvent): boolean =>
  event.name === 'grade.stage' && event.payload.stage === 'build' && (run.grade.items.length > 0 || run.grade.runningItem !== undefined);

/** The run after one more event of the live socket (console output is the terminal's, not the pane's). */
export function applyLive(run: LiveRun, event: LiveEvent): LiveRun {
  switch (event.name) {
    case 'submission.state': {
      const s = event.payload;
      const done = finished(s);
      const detail = waitingWords(s) ?? run.grade.stageDetail;
      // a queued or retried submission starts over: a new attempt's items are not the old one's
      const items = s.state === 'queued' ? [] : run.grade.items;
      return { ...run, submission: s, error: s.error ?? run.error, grade: { ...run.grade, items, running: !done && !run.result, stageDetail: done ? undefined : detail, error: s.error ?? run.grade.error } };
    }
    case 'grade.stage': {
      const { stage, detail, vmStartedAt } = event.payload;
      // a build after items were shown is a new attempt (its worker died): the run starts over
      const restart = stage === 'build' && (detail === 'starting' || run.grade.items.length > 0 || run.grade.runningItem !== undefined);
      const base = restart ? { ...run.grade, items: [], vmStartedAt: undefined, result: undefined } : run.grade;
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
      return { ...run, result: result ?? run.result, error, grade: { ...run.grade, running: false, runningItem: undefined, stageDetail: undefined, items: result?.items ?? run.grade.items, result: result ?? run.result, error } };
    }
    case 'console.data':
      return run;
  }
}
