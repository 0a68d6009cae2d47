/** Parsing of /proc/kshram ("00: 4096" per slot) and of the slot-view helper's output. */

export interface ProcSlot {
  index: number;
  size: number;
}

export interface ProcParse {
  slots: ProcSlot[];
  /** Lines that are not "NN: SIZE", verbatim. */
  malformed: string[];
}

const PROC_LINE = /^\s*(\d+)\s*:\s*(\d+)\s*$/;

export function parseProcKshram(text: string): ProcParse {
  const slots: ProcSlot[] = [];
  const malformed: string[] = [];
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (!line.trim()) continue;
    const match = PROC_LINE.exec(line);
    if (match) slots.push({ index: Number(match[1]), size: Number(match[2]) });
    else malformed.push(line);
  }
  return { slots, malformed };
}

export type PeekResult = { index: number; bytes: Buffer } | { index: number; error: string };

const PEEK_OK = /^(\d+) ok ([0-9a-f]*)$/;
const PEEK_ERROR = /^(\d+) error (.*)$/;

/** Lines of resources/guest/slot-view.c: "<slot> ok <hex>" or "<slot> error <reason>". */
export function parsePeek(text: string): PeekResult[] {
  const results: PeekResult[] = [];
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const ok = PEEK_OK.exec(line);
    if (ok) {
      results.push({ index: Number(ok[1]), bytes: Buffer.from(ok[2]!, 'hex') });
      continue;
    }
    const error = PEEK_ERROR.exec(line);
    if (error) results.push({ index: Number(error[1]), error: error[2]! });
  }
  return results;
}
