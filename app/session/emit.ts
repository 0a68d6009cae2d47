import type { EventName, EventPayloads } from '../api/contract.js';

/** How a part of the session sends an API event: its name and payload, typed together. */
export type Emit = <K extends EventName>(name: K, payload: EventPayloads[K]) => void;

/** Host-side lines in the terminal are dim, so nobody takes them for guest output. */
export const banner = (text: string): string => `\r\n\x1b[2m── kshram lab: ${text} ──\x1b[0m\r\n`;
