/**
 * The grader's own lines in the kernel log, written and recognised here
 * only. Written to /dev/kmsg, they reach the console in order with the
 * kernel's messages: "kshram-lab: item 5: ..." says where an item's kernel
 * messages begin; "kshram-lab: sync N" is a barrier (everything printed
 * before it has arrived once it shows).
 */

const PREFIX = 'kshram-lab: ';
/** A sync marker line on the console, with or without its timestamp. */
const SYNC_LINE = /^(?:\s*\[\s*\d+\.\d+\] )?kshram-lab: sync \d+\r?$/;
/** A sync marker anywhere in a (possibly prompt-prefixed) console line. */
const SYNC_IN_LINE = /kshram-lab: sync \d+\r?$/;

/** The guest shell command that writes `text` to the kernel log at notice level. */
export function kernelLogCommand(text: string): string {
  return `echo '<5>${PREFIX}${text.replace(/'/g, '')}' > /dev/kmsg`;
}

/** The text of item `id`'s marker: "item 5: Reload kshram; check_msg passes". */
export function itemMarker(id: number, title: string): string {
  return `item ${id}: ${title}`;
}

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

/** True for a console line that is exactly a barrier marker (the live console filter holds back nothing else). */
export function isWholeSyncLine(line: string): boolean {
  return SYNC_LINE.test(line);
}

/** Index of the line after item `id`'s last marker in `lines`, or -1 when the item has none. */
export function itemStartIndex(lines: readonly string[], id: number): number {
  const marker = `${PREFIX}item ${id}:`;
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.includes(marker)) return i + 1;
  return -1;
}
