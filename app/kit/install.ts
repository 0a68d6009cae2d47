import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { kitRecipesDir, kitsDir } from '../paths.js';
import { dockerBinary, ensureImage, MOUNTED_IMAGE } from '../build/docker.js';
import { hasCommand, run, type RunResult } from '../process.js';
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

export interface InstallOptions {
  /** Run the recipe in the docker toolchain's container (automatic where apt-get is missing, e.g. macOS). */
  viaDocker?: boolean;
}

export async function installKit(name: string, onProgress: (line: string) => void = () => {}, options: InstallOptions = {}): Promise<Kit> {
  const recipe = BUILTIN_KITS[name];
  if (!recipe) {
    const known = Object.keys(BUILTIN_KITS).join(', ');
    throw new LabError('BAD_ARGUMENT', `There is no built-in kit "${name}".`, `Built-in kits: ${known}. Import the course's archive with: kshram-lab kits import dist.tbz`);
  }
  await mkdir(kitsDir(), { recursive: true });
  const args = [name, recipe.suite, kitDir(name), recipe.series];
  const viaDocker = options.viaDocker ?? !(await hasCommand('apt-get'));
  const onOutput = (text: string): void => text.split('\n').filter(Boolean).forEach(onProgress);
  const result = viaDocker
    ? await runRecipeInDocker(args, onProgress, onOutput)
    : await run('bash', [join(kitRecipesDir, 'debian-kit.sh'), ...args], { timeoutMs: INSTALL_TIMEOUT_MS, onOutput });
  if (result.code !== 0) {
    const tail = result.output.trim().split('\n').slice(-8).join('\n');
    throw new LabError('KIT_INSTALL_FAILED', `Installing the kit "${name}" failed:\n${tail}`, viaDocker ? 'Check that docker runs (docker version) and can reach the Debian mirror.' : 'Check that apt can reach the Debian mirror and that you are root (or have sudo).');
  }
  return loadKit(name);
}

/**
 * The Debian recipe for hosts without apt: in a container of the docker
 * toolchain's image (Debian, with the security and backports suites), the
 * kits folder mounted at its own path. The headers stay out of the kit;
 * the kit builds with the docker toolchain, whose image has them.
 */
async function runRecipeInDocker(args: string[], onProgress: (line: string) => void, onOutput: (text: string) => void): Promise<RunResult> {
  const image = await ensureImage(MOUNTED_IMAGE, onProgress);
  const owner = process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : '';
  const script = [
    'apt-get update -q >/dev/null',
    'KSHRAM_LAB_SKIP_HEADERS=1 bash "$0/debian-kit.sh" "$@"',
    // the recipe ran as root in the container; the kit belongs to the user
    ...(owner ? [`chown -R ${owner} "$3"`] : []),
  ].join(' && ');
  return run(dockerBinary(), [
    'run', '--rm', '--network', 'host',
    '-v', `${kitsDir()}:${kitsDir()}`,
    '-v', `${kitRecipesDir}:${kitRecipesDir}:ro`,
    image, 'bash', '-c', script, kitRecipesDir, ...args,
  ], { timeoutMs: INSTALL_TIMEOUT_MS, onOutput });
}

export async function removeKit(name: string): Promise<void> {
  const dir = kitDir(name);
  if (!existsSync(dir)) throw new LabError('KIT_MISSING', `The kit "${name}" is not installed.`);
  await rm(dir, { recursive: true, force: true });
}
