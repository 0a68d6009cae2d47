import { Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openFolder(): Promise<void>;
}

/** File, Edit (for copy/paste shortcuts on macOS), View; the rest lives in the toolbar. */
export function buildMenu(actions: MenuActions): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: 'File',
      submenu: [{ label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => void actions.openFolder() }, { type: 'separator' }, { role: process.platform === 'darwin' ? 'close' : 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
