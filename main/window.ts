import { BrowserWindow, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Where electron-vite puts the bundles: out/main (this file), out/preload, out/renderer. */
const preloadPath = join(here, '../preload/index.cjs');
const rendererIndex = join(here, '../renderer/index.html');
/** Set by `electron-vite dev` to its dev server. */
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

/** The first window size fits the editor, the terminal and the grade panel side by side. */
const WINDOW_WIDTH = 1440;
const WINDOW_HEIGHT = 900;
/** Monaco's and xterm's background, so the window never flashes white. */
const BACKGROUND = '#1e1e1e';

/** True for the workbench's own page, the only one allowed to call the API. */
export function isOwnPage(url: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname) === rendererIndex;
}

/**
 * The workbench window, locked down: no Node in the page, isolated and
 * sandboxed preload, the page's CSP (in index.html), no navigation away
 * from it and no new windows (links open in the system browser).
 */
export function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: WINDOW_WIDTH,
    height: WINDOW_HEIGHT,
    title: 'kshram lab',
    backgroundColor: BACKGROUND,
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(rendererIndex);
  return win;
}
