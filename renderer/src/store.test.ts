import { describe, expect, it } from 'vitest';
import type { ApiEvent, GradeItem, SessionState, VmStatus } from '../../app/api';
import { initialState, reducer, type UiState } from './store';

const event = (e: ApiEvent): Parameters<typeof reducer>[1] => ({ type: 'event', event: e });
const apply = (state: UiState, ...events: ApiEvent[]): UiState => events.reduce((s, e) => reducer(s, event(e)), state);
const item = (id: number, status: GradeItem['status'], points: number): GradeItem => ({ id, title: `item ${id}`, max: 10, points, status, evidence: '' });
const running: VmStatus = { phase: 'running', message: 'Linux running' };
const snapshot = { loaded: true, slots: [{ index: 0, size: 4096 }], malformed: [], takenAt: 1 };

describe("the workbench's reducer", () => {
  it('starts a grade afresh on grade.started, whatever the last one left', () => {
    const graded = apply(initialState, { name: 'grade.started', payload: { running: true, items: [] } }, { name: 'grade.itemEnd', payload: { item: item(1, 'fail', 0) } }, { name: 'grade.done', payload: {} });
    expect(graded.grade).toMatchObject({ running: false, items: [item(1, 'fail', 0)] });
    const again = apply(graded, { name: 'grade.started', payload: { running: true, items: [] } });
    expect(again.grade).toEqual({ running: true, items: [] });
  });

  it('continues the current grade on a stage, whatever its detail says', () => {
    const started = apply(initialState, { name: 'grade.started', payload: { running: true, items: [] } }, { name: 'grade.itemEnd', payload: { item: item(1, 'pass', 10) } });
    // a build stage in the middle (the grader's own words) is no new grade
    const next = apply(started, { name: 'grade.stage', payload: { stage: 'build', detail: 'starting' } });
    expect(next.grade?.items).toEqual([item(1, 'pass', 10)]);
    expect(next.grade).toMatchObject({ running: true, stage: 'build', stageDetail: 'starting' });
    expect(apply(next, { name: 'grade.stage', payload: { stage: 'done', detail: '10/100' } }).grade?.running).toBe(false);
  });

  it("keeps the grade's clock as the engine last sent it: counting, then stopped at the grade's time", () => {
    const started = apply(initialState, { name: 'grade.started', payload: { running: true, items: [] } }, { name: 'grade.clock', payload: { elapsedMs: 40, running: true } });
    expect(started.grade?.clock).toEqual({ elapsedMs: 40, running: true });
    const stopped = apply(started, { name: 'grade.clock', payload: { elapsedMs: 14_600, running: false } }, { name: 'grade.stage', payload: { stage: 'done', detail: '100/100' } });
    expect(stopped.grade?.clock).toEqual({ elapsedMs: 14_600, running: false });
    // no grade to count for: nothing happens
    expect(apply(initialState, { name: 'grade.clock', payload: { elapsedMs: 1, running: true } }).grade).toBeUndefined();
  });

  it('keeps items in order and replaces one that ends twice; the running item clears when it ends', () => {
    const s = apply(
      initialState,
      { name: 'grade.started', payload: { running: true, items: [] } },
      { name: 'grade.itemEnd', payload: { item: item(2, 'pass', 10) } },
      { name: 'grade.itemStart', payload: { id: 1 } },
    );
    expect(s.grade?.runningItem).toBe(1);
    const ended = apply(s, { name: 'grade.itemEnd', payload: { item: item(1, 'pass', 10) } }, { name: 'grade.itemEnd', payload: { item: item(2, 'fail', 0) } });
    expect(ended.grade?.items.map((i) => [i.id, i.status])).toEqual([
      [1, 'pass'],
      [2, 'fail'],
    ]);
    expect(ended.grade?.runningItem).toBeUndefined();
  });

  it('keeps the slots while the VM runs or crashed, and forgets them when it stops', () => {
    const up = apply(initialState, { name: 'vm.state', payload: running }, { name: 'slots.snapshot', payload: snapshot });
    expect(apply(up, { name: 'vm.state', payload: { ...running, phase: 'crashed' } }).slots).toEqual(snapshot);
    expect(apply(up, { name: 'vm.state', payload: { phase: 'stopped', message: 'Stopped' } }).slots).toBeUndefined();
  });

  it('keeps the last build while one runs, and its error only until the next outcome', () => {
    const result = { ok: true, diagnostics: [], log: '', elapsedMs: 1, kit: 'k', finishedAt: 1 };
    const built = apply(initialState, { name: 'build.state', payload: { running: false, result } });
    const building = apply(built, { name: 'build.state', payload: { running: true } });
    expect(building).toMatchObject({ building: true, build: result });
    const failed = apply(building, { name: 'build.state', payload: { running: false, error: { code: 'TOOLCHAIN_MISSING', message: 'no gcc' } } });
    expect(failed).toMatchObject({ building: false, build: result, buildError: { code: 'TOOLCHAIN_MISSING' } });
    expect(apply(failed, { name: 'build.state', payload: { running: false, result } }).buildError).toBeUndefined();
  });

  it("forgets the last workspace's build, grade and slots when another opens", () => {
    const s = apply(initialState, { name: 'grade.started', payload: { running: false, items: [] } }, { name: 'slots.snapshot', payload: snapshot });
    const other = apply(s, { name: 'workspace.changed', payload: { dir: '/tmp/other', files: [] } });
    expect(other).toMatchObject({ workspace: { dir: '/tmp/other' }, grade: undefined, slots: undefined, build: undefined });
  });

  it('takes a whole session state on (re)connect', () => {
    const session: SessionState = { vm: running, building: true, consoleTail: 'x', grade: { running: true, items: [] } };
    expect(reducer(initialState, { type: 'session', state: session })).toMatchObject({ vm: running, building: true, grade: { running: true } });
  });

  it('keeps the last few notices, and dismisses one by its id', () => {
    let s = initialState;
    for (const text of ['a', 'b', 'c', 'd']) s = reducer(s, { type: 'notice', kind: 'error', text });
    expect(s.notices.map((n) => n.text)).toEqual(['b', 'c', 'd']);
    s = reducer(s, { type: 'dismiss', id: s.notices[1]!.id });
    expect(s.notices.map((n) => n.text)).toEqual(['b', 'd']);
  });
});
