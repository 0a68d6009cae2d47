/**
 * The grader's own lines in the kernel log, written and recognised here
 * only. Written to /dev/kmsg, they reach the console in order with the
 * kernel's messages: "kshram-lab: item 5: ..." says where an item's kernel
 * messages begin; "kshram-lab: sync N" is a barrier (everything printed
 * before it has arrived once it shows).
 */

const PREFIX = 'kshram-lab: ';
/** A sync marker anywhere in a (possibly prompt-prefixed) console line; the serial console ends lines in \r\r\n. */
const SYNC_IN_LINE = /kshram-lab: sync \d+\r*$/;
/** Any grader line, maybe after a prompt: what precedes it, and its text without the kernel's timestamp. */
const MARKER_IN_LINE = /^(.*?)(?:\[\s*\d+\.\d+\] )?kshram-lab: (.*?)\r*$/;
const SYNC_TEXT = /^sync \d+$/;

/**
 * The /dev/kmsg record for a grader line: notice level, one line. The
 * newline matters: a record without one stays open for continuation, and
 * the console prints it only when the next message closes it.
 */
export function kernelLogLine(text: string): string {
  return `<5>${PREFIX}${text.replace(/[\r\n]+/g, ' ')}\n`;
}

/** The text of item `id`'s marker: "item 5: Reload kshram; check_msg passes". */
export function itemMarker(id: number, title: string): string {
  return `item ${id}: ${title}`;
}

/** The text that introduces kshram_tap's run after a full score, in a student's words. */
export const EXTRA_CHECKS_MARKER = 'extra checks beyond the 8 items of the course (kshram_tap: error codes, mmap bounds, zeroed memory); they cost no points, anything they find becomes a note under the checklist';

/** The text of barrier number `n`. */
export function syncMarker(n: number): string {
  return `sync ${n}`;
}

/** How `marker` (one of the texts above) shows on the console. */
export function markerOnConsole(marker: string): string {
  return `${PREFIX}${marker}`;
}

/** True for a console line that is (or ends in) a barrier marker. */
export function isSyncLine(line: string): boolean {
  return SYNC_IN_LINE.test(line);
}

/** A console line holding a grader line: the text before it (a prompt), what it says, and whether it is a barrier. */
export function markerInLine(line: string): { before: string; text: string; sync: boolean } | undefined {
  const match = MARKER_IN_LINE.exec(line);
  return match ? { before: match[1]!, text: match[2]!, sync: SYNC_TEXT.test(match[2]!) } : undefined;
}

/** Index of the line after item `id`'s last marker in `lines`, or -1 when the item has none. */
export function itemStartIndex(lines: readonly string[], id: number): number {
  const marker = `${PREFIX}item ${id}:`;
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.includes(marker)) return i + 1;
  return -1;
}
