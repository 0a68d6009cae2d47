/**
 * How calls, replies and events travel. Both transports carry the same
 * shapes: Electron IPC as invoke/handle plus one event channel, the
 * WebSocket as JSON messages validated here.
 */
import { z } from 'zod';
import type { ApiError, ApiEvent } from './contract.js';

export { CLOSE_SUPERSEDED, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, WS_PATH } from './channels.js';

/** A command's outcome: errors cross as plain data, never as thrown objects. */
export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiError };

/** A call as it arrives over the WebSocket; command name and args are checked by the dispatcher. */
export const WireCallSchema = z
  .object({
    t: z.literal('call'),
    id: z.number().int().nonnegative(),
    name: z.string().max(64),
    args: z.unknown(),
  })
  .strict();

/** Server to client over the WebSocket. */
export type WireMessage = ({ t: 'reply'; id: number } & Reply) | ({ t: 'event' } & ApiEvent) | { t: 'closing'; reason: string };
