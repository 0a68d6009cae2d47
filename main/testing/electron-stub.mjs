// A stand-in for the electron module, for testing the bundled main process
// where Electron's binary cannot be downloaded. It records what main does
// (window options, IPC handlers, messages sent) on globalThis.__electron.
import { EventEmitter } from 'node:events';

const record = { handlers: new Map(), sent: [], windows: [] };
globalThis.__electron = record;

class WebContents extends EventEmitter {
  isDestroyed() {
    return false;
  }
  send(channel, event) {
    record.sent.push([channel, event]);
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    record.windows.push(this);
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  loadFile(path) {
    this.loaded = path;
    return Promise.resolve();
  }
  loadURL(url) {
    this.loaded = url;
    return Promise.resolve();
  }
  show() {}
  focus() {}
  restore() {}
}

export const ipcMain = {
  handle: (channel, handler) => record.handlers.set(channel, handler),
  removeHandler: (channel) => record.handlers.delete(channel),
};
export const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  requestSingleInstanceLock: () => true,
  getVersion: () => '0.0.0-test',
  whenReady: () => Promise.resolve(),
  quit: () => {},
});
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showErrorBox: () => {} };
export const Menu = { buildFromTemplate: (template) => template, setApplicationMenu: () => {} };
export const shell = { openExternal: () => {} };
export default { app, BrowserWindow, dialog, ipcMain, Menu, shell };
