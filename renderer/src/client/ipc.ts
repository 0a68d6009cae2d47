import type { LabClient } from '../../../app/api';
import type { Api } from '../../../main/preload/index';
import { callError } from './errors';
import { Listeners } from './listeners';

/** The API over Electron IPC, through the preload's bridge. */
export function ipcClient(bridge: Api): LabClient {
  const listeners = new Listeners();
  bridge.onEvent((event) => listeners.dispatch(event));
  return {
    async invoke(name, args) {
      const reply = await bridge.invoke(name, args);
      if (!reply.ok) throw callError(reply.error);
      return reply.value as never;
    },
    on: (name, listener) => listeners.add(name, listener),
  };
}
