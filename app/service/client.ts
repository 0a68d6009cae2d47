import { WebSocket } from 'ws';
import { LabError } from '../errors.js';
import type { LiveEvent, SubmissionDetail } from './contract.js';
import { LiveConnection, ServiceCallError, type OpenLiveSocket, type ServiceApi } from './http-client.js';

/**
 * The service's API from Node (`kshram-lab submit`, the tests, the bench):
 * the pages' own client (http-client.ts) with the ws package as its
 * socket, and its refusals as LabErrors for the CLI's error handling.
 */

/** http-client's live socket on the ws package. */
export const openNodeSocket: OpenLiveSocket = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.on('open', () => handlers.open());
  socket.on('message', (raw: Buffer) => handlers.message(raw.toString('utf8')));
  socket.on('close', (code, reason) => handlers.close(code, reason.toString('utf8')));
  // a refused or broken connection is reported by its close
  socket.on('error', () => undefined);
  return { send: (text) => socket.send(text), close: (code, reason) => socket.close(code, reason) };
};

/** A refusal of the service as the LabError it was. */
export function asLabError(err: unknown): unknown {
  return err instanceof ServiceCallError ? new LabError(err.code, err.message, err.suggestion) : err;
}

/** Calls the API; a refusal throws the service's LabError. */
export async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asLabError(err);
  }
}

/**
 * Follows a submission until it has a result: its events to `onEvent` (the
 * run replayed from its start after a reconnect), then the submission
 * with its result, read back through the API.
 */
export async function waitForResult(api: ServiceApi, token: string, id: string, onEvent: (event: LiveEvent) => void = () => undefined): Promise<SubmissionDetail> {
  const live = new LiveConnection(api.liveUrl(), token, openNodeSocket);
  try {
    await new Promise<void>((resolve, reject) => {
      live.onStatus((status) => {
        if (status.state === 'refused') reject(new LabError('UNAUTHORIZED', `The service refused the live connection: ${status.reason}`, 'Check your token.'));
      });
      live.onMessage((message) => {
        if (message.t === 'error') reject(new LabError(message.error.code, message.error.message, message.error.suggestion));
        if (message.t !== 'event' || message.submission !== id) return;
        onEvent(message.event);
        if (message.event.name === 'grade.done') resolve();
      });
      live.watch(id);
    });
  } finally {
    live.close();
  }
  return call(() => api.submission(id));
}

