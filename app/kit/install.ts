import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { kitRecipesDir, kitsDir } from '../paths.js';
import { run } from '../process.js';
import { kitDir, loadKit, type Kit } from './kit.js';

/**
 * Built-in kits: the newest Debian kernel of a series, from the apt sources
 * plus `suite` (added when missing; 6.12 is in bookworm-backports and, on
 * up-to-date mirrors, in bookworm-security too).
 */
export const BUILTIN_KITS: Readonly<Record<string, { suite: string; series: string; summary: string }>> = {
  'debian-6.1': { suite: 'default', series: '6.1', summary: 'Debian bookworm, Linux 6.1 (default)' },
  'debian-6.12': { suite: 'bookworm-backports', series: '6.12', summary: 'Debian bookworm (backports/security), Linux 6.12' },
};

/** apt downloads and installs; generous because mirrors can be slow. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

export async function installKit(name: string, onProgress: (line: string) => void = () => {}): Promise<Kit> {
  const recipe = BUILTIN_KITS[name];
  if (!recipe) {
    const known = Object.keys(BUILTIN_KITS).join(', ');
    throw new LabError('BAD_ARGUMENT', `There is no built-in kit "${name}".`, `Built-in kits: ${known}. Import the course's archive with: kshram-lab kits import dist.tbz`);
  }
  await mkdir(kitsDir(), { recursive: true });
  const result = await run('bash', [join(kitRecipesDir, 'debian-kit.sh'), name, recipe.suite, kitDir(name), recipe.series], {
    timeoutMs: INSTALL_TIMEOUT_MS,
    onOutput: (text) => text.split('\n').filter(Boolean).forEach(onProgress),
  });
  if (result.code !== 0) {
    const tail = result.output.trim().split('\n').slice(-8).join('\n');
    throw new LabError('KIT_INSTALL_FAILED', `Installing the kit "${name}" failed:\n${tail}`, 'Check that apt can reach the Debian mirror and that you are root (or have sudo).');
  }
  return loadKit(name);
}

export async function removeKit(name: string): Promise<void> {
  const dir = kitDir(name);
  if (!existsSync(dir)) throw new LabError('KIT_MISSING', `The kit "${name}" is not installed.`);
  await rm(dir, { recursive: true, force: true });
}
