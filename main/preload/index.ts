/**
 * The preload of the workbench window (sandboxed, context-isolated): it
 * hands the page exactly two functions, a typed invoke and an event
 * subscription, never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../app/api/channels.js';
import type { ApiEvent, CommandName, Reply } from '../../app/api.js';

const api = {
  /** Runs an API command in the main process; errors come back as data (Reply). */
  invoke: (name: CommandName, args: unknown): Promise<Reply> => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, args) as Promise<Reply>,
  /** Subscribes to every API event; returns the unsubscribe function. */
  onEvent: (listener: (event: ApiEvent) => void): (() => void) => {
    const forward = (_sender: IpcRendererEvent, event: ApiEvent): void => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
};

contextBridge.exposeInMainWorld('kshramLab', api);

/** The bridge's type comes from its implementation; the renderer declares window.kshramLab with it. */
export type Api = typeof api;
