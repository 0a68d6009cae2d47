import type { ApiError, CommandArgs, CommandName, CommandResult, EventName, EventPayloads } from './contract.js';

/**
 * What the renderer talks to. Implemented twice (Electron IPC through the
 * preload, and the WebSocket of web mode); the UI cannot tell them apart.
 */
export interface LabClient {
  /** Resolves with the command's result; rejects with a LabCallError. */
  invoke<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<CommandResult<K>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /** Connection trouble the user should see (web mode: the server went away); undefined when fine. */
  onConnection?(listener: (problem: string | undefined) => void): () => void;
}

/** How a failed command reaches the caller: the LabError's data, intact. */
export interface LabCallError extends Error {
  data: ApiError;
}
