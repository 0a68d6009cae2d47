import type { LabClient } from '../../../app/api';
import { WS_PATH } from '../../../app/api/channels';
import { ipcClient } from './ipc';
import { wsClient } from './ws';

/** Electron's preload bridge when there is one, else the web mode's WebSocket beside this page. */
export function createClient(): LabClient {
  if (window.kshramLab) return ipcClient(window.kshramLab);
  const url = new URL(WS_PATH, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return wsClient(url.href);
}
