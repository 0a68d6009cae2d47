// Loads the bundled main process against the stand-in and reports, as one
// JSON line, the window it opened and what its IPC answers.
const main = process.argv[2];
await import(main);
for (let i = 0; i < 100 && !globalThis.__electron.handlers.size; i++) await new Promise((r) => setTimeout(r, 20));
const { handlers, windows } = globalThis.__electron;
const win = windows[0];
const invoke = handlers.get('kshram-lab:invoke');
const own = { sender: win.webContents, senderFrame: { url: `file://${win.loaded}` } };
const foreign = { sender: win.webContents, senderFrame: { url: 'https://example.com/' } };
const report = {
  webPreferences: win.options.webPreferences,
  loaded: win.loaded,
  navigationBlocked: win.webContents.listenerCount('will-navigate') > 0,
  newWindow: win.webContents.openHandler?.({ url: 'https://example.com/' }),
  info: await invoke(own, 'app.info', {}),
  foreign: await invoke(foreign, 'app.info', {}),
  badArgs: await invoke(own, 'console.resize', { cols: -1, rows: 1 }),
  outside: await invoke(own, 'file.read', { path: '../etc/passwd' }),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
