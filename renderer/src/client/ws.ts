import type { LabClient, WireMessage } from '../../../app/api';
import { CLOSE_SUPERSEDED } from '../../../app/api/channels';
import { callError } from './errors';
import { Listeners } from './listeners';

/** After the server goes away, try again this often (it may be restarting). */
const RECONNECT_MS = 2_000;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * The API over the web mode's WebSocket. Calls made while (re)connecting
 * wait for the socket; calls in flight when it drops fail with a clear
 * error; the connection comes back by itself unless another tab took over.
 */
export function wsClient(url: string): LabClient {
  const listeners = new Listeners();
  const connection = new Set<(problem: string | undefined) => void>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket;
  let closingReason: string | undefined;
  let superseded = false;

  const notify = (problem: string | undefined): void => connection.forEach((l) => l(problem));

  const connect = (): void => {
    socket = new WebSocket(url);
    socket.onopen = () => {
      for (const message of queue.splice(0)) socket.send(message);
      notify(undefined);
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as WireMessage;
      if (message.t === 'event') listeners.dispatch(message);
      else if (message.t === 'closing') closingReason = message.reason;
      else {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) call?.resolve(message.value);
        else call?.reject(callError(message.error));
      }
    };
    socket.onclose = (event) => {
      for (const call of pending.values()) call.reject(callError({ code: 'DISCONNECTED', message: 'The connection to the workbench server was lost.', suggestion: 'Check that `kshram-lab web` is still running.' }));
      pending.clear();
      queue.length = 0;
      if (event.code === CLOSE_SUPERSEDED) {
        superseded = true;
        notify(closingReason ?? 'The workbench was opened in another tab.');
        return;
      }
      notify('Lost the connection to the workbench server; reconnecting…');
      setTimeout(connect, RECONNECT_MS);
    };
  };
  connect();

  return {
    invoke(name, args) {
      if (superseded) return Promise.reject(callError({ code: 'DISCONNECTED', message: 'This tab was replaced by a newer one.', suggestion: 'Use the newest tab, or reload this one to take over.' }));
      const id = nextId++;
      const message = JSON.stringify({ t: 'call', id, name, args });
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve, reject });
        if (socket.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    on: (name, listener) => listeners.add(name, listener),
    onConnection(listener) {
      connection.add(listener);
      return () => void connection.delete(listener);
    },
  };
}
