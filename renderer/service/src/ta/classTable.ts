import type { ClassRow } from '../../../../app/service/contract';

export type SortKey = 'student' | 'best' | 'latest' | 'submissions' | 'lastSubmittedAt' | 'firstFailure';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

/** Which rows a filter keeps: a name (or part of one), and optionally only those below full marks. */
export interface RowFilter {
  text: string;
  belowFull: boolean;
}

/** Rows filtered and sorted; rows without a value for the key go last either way, ties by name. */
export function visibleRows(rows: ClassRow[], filter: RowFilter, sort: Sort, max: number): ClassRow[] {
  const text = filter.text.trim().toLowerCase();
  const kept = rows.filter((r) => (!text || r.student.toLowerCase().includes(text)) && (!filter.belowFull || (r.best ?? 0) < max));
  const value = (r: ClassRow): string | number | undefined => r[sort.key];
  return kept.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === y ? a.student.localeCompare(b.student) : x === undefined ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (sort.descending ? -order : order) || a.student.localeCompare(b.student);
  });
}

/** A row that came live replaces the student's old one (or joins the class). */
export const withRow = (rows: ClassRow[], row: ClassRow): ClassRow[] => (rows.some((r) => r.student === row.student) ? rows.map((r) => (r.student === row.student ? row : r)) : [...rows, row]);
