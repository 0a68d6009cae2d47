/**
 * The one typed API of kshram lab (see api/contract.ts for the map of
 * commands and events, api/wire.ts for how they travel). The renderer
 * imports types from here only; main/ and server/ bind it to a session.
 */
export * from './api/contract.js';
export * from './api/wire.js';
export type { LabCallError, LabClient } from './api/client.js';
