import type { AgentClient } from '../guest/agent.js';
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
  /** False when /proc/kshram does not exist (module not loaded). */
  loaded: boolean;
  slots: SlotView[];
  malformed: string[];
  takenAt: number;
}

const SLOT_COUNT = 8;
/** Reading /proc and mapping eight slots takes milliseconds; a stuck one is a broken module. */
const SNAPSHOT_TIMEOUT_MS = 5_000;
const SEPARATOR = '--kshram-peek--';

/** Takes a snapshot through the agent, never through the user's console. */
export async function takeSlotSnapshot(agent: AgentClient): Promise<SlotSnapshot> {
  const result = await agent.run(`[ -e /proc/kshram ] || exit 3; cat /proc/kshram; echo ${SEPARATOR}; kshram-peek`, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  if (result.status === 3) return { loaded: false, slots: [], malformed: [], takenAt: Date.now() };
  const [procText = '', peekText = ''] = result.output.split(`${SEPARATOR}\n`);
  const proc = parseProcKshram(procText);
  const peeks = new Map(parsePeek(peekText).map((p) => [p.index, p]));
  const slots: SlotView[] = [];
  for (let index = 0; index < SLOT_COUNT; index++) {
    const size = proc.slots.find((s) => s.index === index)?.size;
    const peek = peeks.get(index);
    const view: SlotView = { index, size };
    if (peek && 'bytes' in peek) view.hex = peek.bytes.toString('hex');
    else if (peek) view.error = peek.error;
    else if (result.timedOut) view.error = 'no answer (the module may be stuck)';
    slots.push(view);
  }
  return { loaded: true, slots, malformed: proc.malformed, takenAt: Date.now() };
}
