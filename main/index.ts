/**
 * Electron main: glue between the window and a lab session. The engine
 * (app/) does the work; node-pty and QEMU live here in the main process,
 * never in the page.
 */
import { app, dialog, Menu, type BrowserWindow } from 'electron';
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { enterProcessScope } from '../app/lifecycle.js';
import { LabSession } from '../app/session/session.js';
import { WorkbenchSubmit } from '../app/submit/workbench-submit.js';
import { bindIpc } from './ipc.js';
import { buildMenu } from './menu.js';
import { createWindow, isOwnPage } from './window.js';

// builds and QEMU die with the app, run folders go with it (app/lifecycle.ts)
enterProcessScope();

// one workbench per user: a second start focuses the first
if (!app.requestSingleInstanceLock()) app.quit();

let win: BrowserWindow | undefined;
/** A workspace given on the command line (electron . DIR) opens at start. */
const workspaceArg = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => !a.startsWith('-'));
const session = new LabSession({ workspace: workspaceArg, kit: process.env.KSHRAM_LAB_KIT ?? DEFAULT_KIT, version: app.getVersion() });
/** Submit to the course service (issue 22), beside the session's own commands. */
const submit = new WorkbenchSubmit(session);

const pickFolder = async (): Promise<string | null> => {
  const options = { title: 'Open a kshram workspace', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
};

// no page may open windows or navigate, whatever created it
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('second-instance', () => {
  if (win?.isMinimized()) win.restore();
  win?.focus();
});

void app.whenReady().then(async () => {
  await session.init().catch((err: Error) => dialog.showErrorBox('kshram lab', err.message));
  win = createWindow();
  const ipc = bindIpc(win, session, { pickFolder, submit: submit.handlers() }, isOwnPage);
  Menu.setApplicationMenu(
    buildMenu({
      openFolder: async () => {
        const dir = await pickFolder();
        if (dir) await session.openWorkspace(dir).catch((err: Error) => dialog.showErrorBox('kshram lab', err.message));
      },
    }),
  );
  win.on('closed', () => {
    ipc.dispose();
    win = undefined;
  });
});

let quitting = false;
app.on('window-all-closed', () => app.quit());
app.on('will-quit', (event) => {
  if (quitting) return;
  // stop the VM (and any grade) before the process goes
  event.preventDefault();
  quitting = true;
  submit.dispose();
  void session.dispose().finally(() => app.quit());
});
