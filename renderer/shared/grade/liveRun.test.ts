import { describe, expect, it } from 'vitest';
import type { GradeItemJson, LiveEvent, SubmissionView } from '../../../app/service/contract';
import { applyLive, emptyRun, restartsRun, waitingWords, type LiveRun } from './liveRun';

const view = (over: Partial<SubmissionView>): SubmissionView => ({ id: 'abcdefghij012345', student: 'alice', fileName: 'kshram.c', sha256: 'f'.repeat(64), size: 9000, kind: 'c', via: 'http', kit: 'debian-6.1', submittedAt: 1, state: 'queued', max: 100, ...over });
const item = (id: number, status: GradeItemJson['status'], points: number): GradeItemJson => ({ id, title: `item ${id}`, max: 10, points, status, evidence: '' });
const play = (events: LiveEvent[], from: LiveRun = emptyRun()): LiveRun => events.reduce(applyLive, from);

describe('a live run', () => {
  it('says where a queued submission waits in plain words', () => {
    expect(waitingWords(view({ position: 1 }))).toBe('waiting in the queue: next in line');
    expect(waitingWords(view({ position: 2 }))).toBe('waiting in the queue: 1 submission ahead of yours');
    expect(waitingWords(view({ position: 4 }))).toBe('waiting in the queue: 3 submissions ahead of yours');
    expect(waitingWords(view({ state: 'graded' }))).toBeUndefined();
  });

  it('ticks items as they end and settles on the stored result', () => {
    const run = play([
      { name: 'submission.state', payload: view({ position: 2 }) },
      { name: 'submission.state', payload: view({ state: 'running' }) },
      { name: 'grade.stage', payload: { stage: 'build', detail: 'starting' } },
      { name: 'grade.stage', payload: { stage: 'items', detail: 'running the checklist', vmStartedAt: 1000 } },
      { name: 'grade.itemStart', payload: { id: 1 } },
      { name: 'grade.itemEnd', payload: { item: item(1, 'pass', 10) } },
      { name: 'grade.itemStart', payload: { id: 2 } },
    ]);
    expect(run.grade).toMatchObject({ running: true, runningItem: 2, vmStartedAt: 1000, items: [item(1, 'pass', 10)] });
    const done = applyLive(run, { name: 'grade.done', payload: { error: { code: 'WORKER_LOST', message: 'gone' } } });
    expect(done.grade).toMatchObject({ running: false, runningItem: undefined, error: { message: 'gone' } });
  });

  it('starts over when another worker builds the submission again', () => {
    const half = play([
      { name: 'grade.stage', payload: { stage: 'build', detail: 'starting' } },
      { name: 'grade.stage', payload: { stage: 'items', detail: 'x', vmStartedAt: 5 } },
      { name: 'grade.itemEnd', payload: { item: item(1, 'pass', 10) } },
    ]);
    const again: LiveEvent = { name: 'grade.stage', payload: { stage: 'build', detail: 'compiling kshram.c' } };
    expect(restartsRun(half, again)).toBe(true);
    expect(applyLive(half, again).grade).toMatchObject({ items: [], vmStartedAt: undefined, running: true });
    expect(restartsRun(emptyRun(), again)).toBe(false);
  });
});
