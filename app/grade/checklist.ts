/** A checklist item's result and status; the items themselves (titles, points, how each is graded) are in items/table.ts. */

export type ItemStatus = 'pass' | 'fail' | 'not-run';

/** One line of the checklist as reports show it. */
export interface ChecklistItem {
  id: number;
  title: string;
  max: number;
}

/** The course's limit: all items within this, kernel boot included. */
export const DEFAULT_TIME_LIMIT_MS = 120_000;

export interface ItemResult {
  id: number;
  title: string;
  points: number;
  max: number;
  status: ItemStatus;
  /** What the grader saw: its first line is `summary`, then commands, output, kernel messages. */
  evidence: string;
  /** One line: what passed, or why it failed. */
  summary?: string;
  elapsedMs?: number;
}

export function notRun(item: ChecklistItem, why = ''): ItemResult {
  return { id: item.id, title: item.title, points: 0, max: item.max, status: 'not-run', evidence: why, summary: why };
}
