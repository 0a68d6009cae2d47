/** The eight demo items of the lab's Grading section, with their points. */

export type ItemStatus = 'pass' | 'fail' | 'not-run';

export interface ChecklistItem {
  id: number;
  title: string;
  max: number;
}

export const CHECKLIST: readonly ChecklistItem[] = [
  { id: 1, title: 'Boot the Linux VM', max: 10 },
  { id: 2, title: 'Load the hello, world! module', max: 10 },
  { id: 3, title: 'Load kshram.ko: /dev/kshram0..7 appear', max: 10 },
  { id: 4, title: 'Unload kshram without a crash (unload test #1)', max: 5 },
  { id: 5, title: 'Reload kshram; check_msg passes', max: 20 },
  { id: 6, title: 'check_resize passes', max: 20 },
  { id: 7, title: 'check_fork passes', max: 20 },
  { id: 8, title: 'Unload kshram without a crash (unload test #2)', max: 5 },
];

export const MAX_POINTS = CHECKLIST.reduce((sum, item) => sum + item.max, 0);

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
