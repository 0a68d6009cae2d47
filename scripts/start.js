#!/usr/bin/env node
// npm start: the desktop workbench where Electron's binary is installed,
// else the same workbench in web mode (the binary cannot be downloaded on
// every machine; npm installs skip it with ELECTRON_SKIP_BINARY_DOWNLOAD=1).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** The electron package exports its binary's path, and throws when the binary was never downloaded. */
function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const electron = electronBinary();
let command;
let commandArgs;
if (electron) {
  command = electron;
  // Chromium refuses to run as root with its sandbox on; the page keeps Electron's renderer sandbox
  // --allow-root is web mode's (nobody else holds the desktop app's window): not Electron's to see
  commandArgs = [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...args.filter((arg) => arg !== '--allow-root')];
} else {
  console.log("Electron's binary is not installed here, so the workbench opens in web mode instead.");
  console.log('(For the desktop app: npm install electron with its binary download allowed, then npm start.)');
  command = process.execPath;
  commandArgs = [join(root, 'bin', 'kshram-lab.js'), 'web', ...args];
}
// util-linux's setpriv sets PR_SET_PDEATHSIG, which survives exec: the kernel ends the workbench when
// this wrapper dies, even by SIGKILL, where the handlers below never run (as app/process.ts does for QEMU)
const SETPRIV = '/usr/bin/setpriv';
const [spawned, spawnedArgs] =
  process.platform === 'linux' && existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...commandArgs]] : [command, commandArgs];
const child = spawn(spawned, spawnedArgs, { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
