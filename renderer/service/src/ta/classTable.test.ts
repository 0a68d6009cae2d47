import { describe, expect, it } from 'vitest';
import type { ClassRow } from '../../../../app/service/contract';
import { visibleRows, withRow } from './classTable';

const rows: ClassRow[] = [
  { student: 'carol', submissions: 0 },
  { student: 'alice', submissions: 3, best: 100, latest: 80, lastSubmittedAt: 3000, firstFailure: '6: check_resize failed' },
  { student: 'bob', submissions: 1, best: 45, latest: 45, lastSubmittedAt: 5000, firstFailure: '5: check_msg failed' },
  { student: 'dave', submissions: 2, best: 100, latest: 100, lastSubmittedAt: 4000 },
];
const names = (list: ClassRow[]): string[] => list.map((r) => r.student);

describe('the class table', () => {
  it('sorts by any column both ways, students without a value last, ties by name', () => {
    expect(names(visibleRows(rows, { text: '', belowFull: false }, { key: 'best', descending: true }, 100))).toEqual(['alice', 'dave', 'bob', 'carol']);
    expect(names(visibleRows(rows, { text: '', belowFull: false }, { key: 'best', descending: false }, 100))).toEqual(['bob', 'alice', 'dave', 'carol']);
    expect(names(visibleRows(rows, { text: '', belowFull: false }, { key: 'lastSubmittedAt', descending: true }, 100))).toEqual(['bob', 'dave', 'alice', 'carol']);
    expect(names(visibleRows(rows, { text: '', belowFull: false }, { key: 'student', descending: false }, 100))).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('filters by part of a name and by below full marks', () => {
    expect(names(visibleRows(rows, { text: ' A', belowFull: false }, { key: 'student', descending: false }, 100))).toEqual(['alice', 'carol', 'dave']);
    expect(names(visibleRows(rows, { text: '', belowFull: true }, { key: 'student', descending: false }, 100))).toEqual(['bob', 'carol']);
  });

  it('takes a live row in place of the old one, or as a new student', () => {
    const updated = withRow(rows, { student: 'bob', submissions: 2, best: 100, latest: 100, lastSubmittedAt: 6000 });
    expect(updated).toHaveLength(4);
    expect(updated.find((r) => r.student === 'bob')?.best).toBe(100);
    expect(names(withRow(rows, { student: 'erin', submissions: 1 }))).toContain('erin');
  });
});
