import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../app/api/channels.js';
import { dispatch } from '../app/api/dispatch.js';
import type { Reply } from '../app/api/wire.js';
import type { Disposable } from '../app/events.js';
import { sessionHandlers, type HostFeatures } from '../app/session/handlers.js';
import type { LabSession } from '../app/session/session.js';

/**
 * The Electron transport of the API: one invoke channel into the same
 * dispatcher web mode uses, one event channel out. Calls from any other
 * frame than the window's own page are refused.
 */
export function bindIpc(win: BrowserWindow, session: LabSession, host: HostFeatures, isOwnPage: (url: string) => boolean): Disposable {
  const handlers = sessionHandlers(session, host);
  ipcMain.handle(IPC_INVOKE_CHANNEL, (event: IpcMainInvokeEvent, name: unknown, args: unknown): Promise<Reply> | Reply => {
    if (event.sender !== win.webContents || !event.senderFrame || !isOwnPage(event.senderFrame.url)) {
      return { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Calls are accepted from the workbench page only.' } };
    }
    return dispatch(handlers, name, args);
  });
  const events = session.onEvent((event) => {
    // the window may be closing while the VM still talks
    if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  // a reload is a new terminal: it must not inherit the old one's unacknowledged output
  const reloaded = (): void => session.clientConnected();
  win.webContents.on('did-finish-load', reloaded);
  return {
    dispose: () => {
      ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
      events.dispose();
      if (!win.isDestroyed()) win.webContents.off('did-finish-load', reloaded);
    },
  };
}
