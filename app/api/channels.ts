/**
 * Transport names, defined once. Kept free of imports so the sandboxed
 * preload can bundle them without pulling in anything else.
 */

/** Electron IPC: every command is invoked on this channel as (name, args). */
export const IPC_INVOKE_CHANNEL = 'kshram-lab:invoke';
/** Electron IPC: every event is sent on this channel as one ApiEvent. */
export const IPC_EVENT_CHANNEL = 'kshram-lab:event';
/** The WebSocket endpoint, relative to the page (which sits under the token path). */
export const WS_PATH = 'ws';
/** WebSocket close code: a newer tab took the session over. */
export const CLOSE_SUPERSEDED = 4001;
