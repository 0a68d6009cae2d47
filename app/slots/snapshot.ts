import type { AgentClient } from '../agent/agent.js';
import { KSHRAM_SLOTS } from '../lab.js';
import { CONSOLE_BUSY_STATUS, CONSOLE_IDLE_TEST } from './console-idle.js';
import { parsePeek, parseProcKshram } from './proc.js';

/** The slot view's data: what /proc/kshram says and the first bytes of each slot. */
export interface SlotView {
  index: number;
  /** Size from /proc/kshram; undefined when the line is missing. */
  size?: number;
  /** First bytes as hex, when the slot could be mapped. */
  hex?: string;
  error?: string;
}

export interface SlotSnapshot {
  /** False when the kshram module is not loaded. */
  loaded: boolean;
  slots: SlotView[];
  malformed: string[];
  takenAt: number;
  /** Why the slots could not be read at all. */
  error?: string;
  /** The slots were not mapped because a program the student started still runs on the console. */
  consoleBusy?: boolean;
}

/** Reading /proc or mapping eight slots takes milliseconds; a stuck one is a broken module. */
const SNAPSHOT_TIMEOUT_MS = 5_000;
const NOT_LOADED_STATUS = 3;
/** Only a loaded module's /proc entry is read: a stale one (remove_proc_entry forgotten) would oops. */
const IF_LOADED = `[ -d /sys/module/kshram ] || exit ${NOT_LOADED_STATUS}`;

/**
 * Takes a snapshot through the agent, never through the user's console.
 * Sizes come from /proc/kshram only. With `mapSlots`, and only while the
 * console is idle, the slot-view helper then maps each slot whose size it
 * read, to show its first bytes; a slot without a size is never mapped.
 */
export async function takeSlotSnapshot(agent: AgentClient, options: { mapSlots: boolean }): Promise<SlotSnapshot> {
  const proc = await agent.run(`${IF_LOADED}; cat /proc/kshram`, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  const takenAt = Date.now();
  if (proc.status === NOT_LOADED_STATUS) return { loaded: false, slots: [], malformed: [], takenAt };
  if (proc.status !== 0) {
    const why = proc.timedOut ? 'reading /proc/kshram did not finish (the module may be stuck)' : proc.output.trim() || `cat /proc/kshram exited with status ${proc.status}`;
    return { loaded: true, slots: [], malformed: [], takenAt, error: why };
  }
  const parsed = parseProcKshram(proc.output);
  const slots: SlotView[] = Array.from({ length: KSHRAM_SLOTS }, (_, index) => ({ index, size: parsed.slots.find((s) => s.index === index)?.size }));
  const snapshot: SlotSnapshot = { loaded: true, slots, malformed: parsed.malformed, takenAt };
  for (const slot of slots) if (slot.size === undefined) slot.error = 'not in /proc/kshram, so not mapped';
  const mappable = slots.filter((s) => s.size !== undefined && s.size > 0);
  if (!options.mapSlots || !mappable.length) return snapshot;

  const args = mappable.map((s) => `${s.index}:${s.size}`).join(' ');
  const view = await agent.run(`${CONSOLE_IDLE_TEST}; ${IF_LOADED}; exec slot-view ${args}`, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  if (view.status === CONSOLE_BUSY_STATUS) return { ...snapshot, consoleBusy: true };
  if (view.status === NOT_LOADED_STATUS) return { loaded: false, slots: [], malformed: [], takenAt: Date.now() };
  const peeks = new Map(parsePeek(view.output).map((p) => [p.index, p]));
  for (const slot of mappable) {
    const peek = peeks.get(slot.index);
    if (peek && 'bytes' in peek) slot.hex = peek.bytes.toString('hex');
    else if (peek) slot.error = peek.error;
    else if (view.timedOut) slot.error = 'mapping it did not finish (the module may be stuck)';
  }
  return { ...snapshot, takenAt: Date.now() };
}
