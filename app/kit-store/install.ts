import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { cacheDir, kitRecipesDir, kitsDir } from '../paths.js';
import { dockerBinary, ensureImage, MOUNTED_IMAGE, removeKitImages } from '../build/docker.js';
import { hasCommand, run, type RunResult } from '../process.js';
import { kitDir, listKitNames, loadKit, type Kit } from '../kit/kit.js';
import { completeKit } from './system-map.js';

/**
 * Built-in kits: the newest Debian kernel of a series, from the host's apt
 * lists when they have it, else from a private apt configuration in the
 * cache (6.12 is in bookworm-security or bookworm-backports).
 */
export const BUILTIN_KITS: Readonly<Record<string, { series: string; summary: string }>> = {
  'debian-6.1': { series: '6.1', summary: 'Debian bookworm, Linux 6.1 (default)' },
  'debian-6.12': { series: '6.12', summary: 'Debian bookworm (security/backports), Linux 6.12' },
};

/** The private apt configuration (sources, lists, archives) kit recipes use when the host's apt lacks a kernel. */
export const privateAptDir = (): string => join(cacheDir(), 'apt');

/**
 * Checking kernels built from Debian's kernel source (resources/kits/
 * debian-debug-kit.sh): KASAN, lockdep, kmemleak, UBSAN, ... for checked
 * runs (app/checked). Built once into the cache; nothing is installed.
 */
export const DEBUG_KITS: Readonly<Record<string, { series: string; summary: string }>> = {
  'debian-6.1-debug': { series: '6.1', summary: "Linux 6.1 from Debian's source with KASAN, lockdep, kmemleak, UBSAN" },
  'debian-6.12-debug': { series: '6.12', summary: "Linux 6.12 from Debian's source with KASAN, lockdep, kmemleak, UBSAN; same recipe as 6.1, never built or measured here" },
};
/**
 * A debug kit's build, measured for 6.1.192 on this kind of machine:
 * ~14 CPU-minutes of compiling that spread over the cores, and ~3 minutes
 * of linking vmlinux with its DWARF and building modules_prepare that do
 * not (9 min 14 s wall on 2 idle cores). A busy host takes far longer
 * (108 min wall at load 25-35).
 */
const DEBUG_KIT_BUILD_CPU_MINUTES = 14;
const DEBUG_KIT_BUILD_SERIAL_MINUTES = 3;

/** "~10 min on 2 idle cores": what `kits install` of a debug kit will take here, before anything runs. */
export function debugKitBuildEstimate(cores = availableParallelism()): string {
  const minutes = Math.ceil(DEBUG_KIT_BUILD_CPU_MINUTES / Math.max(1, cores) + DEBUG_KIT_BUILD_SERIAL_MINUTES);
  return `~${minutes} min on ${cores} idle core${cores === 1 ? '' : 's'}, longer on a busy host`;
}
/** A kernel build with KASAN and DWARF: ~10 min on 2 idle cores, far longer on a busy host. */
const DEBUG_KIT_TIMEOUT_MS = 4 * 60 * 60_000;

/** apt downloads and installs; generous because mirrors can be slow. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

export interface InstallOptions {
  /** Run the recipe in the docker toolchain's container (automatic where apt-get is missing, e.g. macOS). */
  viaDocker?: boolean;
}

export async function installKit(name: string, onProgress: (line: string) => void = () => {}, options: InstallOptions = {}): Promise<Kit> {
  if (DEBUG_KITS[name]) return installDebugKit(name, onProgress);
  const recipe = BUILTIN_KITS[name];
  if (!recipe) {
    const known = Object.keys(BUILTIN_KITS).join(', ');
    throw new LabError('BAD_ARGUMENT', `There is no built-in kit "${name}".`, `Built-in kits: ${known}. Import the course's archive with: kshram-lab kits import dist.tbz`);
  }
  await mkdir(kitsDir(), { recursive: true });
  const args = [name, recipe.series, kitDir(name)];
  const viaDocker = options.viaDocker ?? !(await hasCommand('apt-get'));
  const onOutput = (text: string): void => text.split('\n').filter(Boolean).forEach(onProgress);
  const result = viaDocker
    ? await runRecipeInDocker(args, onProgress, onOutput)
    : await run('bash', [join(kitRecipesDir, 'debian-kit.sh'), ...args], { timeoutMs: INSTALL_TIMEOUT_MS, onOutput, env: { ...process.env, KSHRAM_LAB_APT_DIR: privateAptDir() } });
  if (result.code !== 0) {
    const tail = result.output.trim().split('\n').slice(-8).join('\n');
    throw new LabError('KIT_INSTALL_FAILED', `Installing the kit "${name}" failed:\n${tail}`, viaDocker ? 'Check that docker runs (docker version) and can reach the Debian mirror.' : 'Check that apt can reach the Debian mirror (deb.debian.org). No root is needed: the kit is unpacked into your cache.');
  }
  return completeKit(await loadKit(name), onProgress);
}

/** Builds a debug kit with as many jobs as cores; "==> progress N/100" lines report the build. */
async function installDebugKit(name: string, onProgress: (line: string) => void): Promise<Kit> {
  await mkdir(kitsDir(), { recursive: true });
  const args = [join(kitRecipesDir, 'debian-debug-kit.sh'), name, DEBUG_KITS[name]!.series, kitDir(name), String(availableParallelism())];
  const onOutput = (text: string): void => text.split('\n').filter(Boolean).forEach(onProgress);
  const result = await run('bash', args, { timeoutMs: DEBUG_KIT_TIMEOUT_MS, onOutput });
  if (result.code !== 0) {
    const tail = result.output.trim().split('\n').slice(-8).join('\n');
    throw new LabError('KIT_INSTALL_FAILED', `Building the kit "${name}" failed:\n${tail}`, 'The kernel build needs flex bison bc libelf-dev libssl-dev dwarves (npm run setup installs them) and apt access to linux-source.');
  }
  return completeKit(await loadKit(name), onProgress);
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
    'KSHRAM_LAB_SKIP_HEADERS=1 KSHRAM_LAB_APT_DIR=/tmp/apt bash "$0/debian-kit.sh" "$@"',
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

export interface RemovedKit {
  /** Docker images made for this kit only (its headers baked in), now deleted. */
  images: string[];
  /** The private apt configuration, deleted with the last built-in kit. */
  aptDir?: string;
}

/**
 * Deletes everything a kit's install made: its folder (and a half-made
 * one), the docker toolchain images made for it alone, and with the last
 * built-in kit the private apt lists. Images every kit shares (the base
 * and the one that mounts build trees) stay for the other kits.
 */
export async function removeKit(name: string): Promise<RemovedKit> {
  const dir = kitDir(name);
  if (!existsSync(dir)) throw new LabError('KIT_MISSING', `The kit "${name}" is not installed.`);
  const kit = await loadKit(name).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.partial`, { recursive: true, force: true });
  const images = kit ? await removeKitImages(kit) : [];
  const removed: RemovedKit = { images };
  const builtinLeft = (await listKitNames()).some((other) => other in BUILTIN_KITS);
  if (!builtinLeft && existsSync(privateAptDir())) {
    await rm(privateAptDir(), { recursive: true, force: true });
    removed.aptDir = privateAptDir();
  }
  return removed;
}
