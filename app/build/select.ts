import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { DockerToolchain, type ProgressListener } from './docker.js';
import { NativeToolchain, type Toolchain, type ToolchainName } from './toolchain.js';

export type ToolchainPreference = ToolchainName | 'auto';

export interface ToolchainChoice {
  name: ToolchainName;
  /** Why, for the user: "x86_64 Linux with the kit's headers installed". */
  reason: string;
}

/** True when this host can build x86_64 modules itself: x86_64 Linux. */
export function hostBuildsNatively(): boolean {
  return platform() === 'linux' && arch() === 'x64';
}

/**
 * Which toolchain builds for a kit: the user's choice when given; else
 * native on x86_64 Linux when the kit's module build directory is here
 * (and the kit does not ask for docker), docker everywhere else.
 */
export function chooseToolchain(kit: Kit, preference: ToolchainPreference = 'auto'): ToolchainChoice {
  if (preference !== 'auto') return { name: preference, reason: `${preference} requested` };
  if (kit.toolchain === 'docker') return { name: 'docker', reason: `the kit ${kit.name} asks for docker` };
  if (!hostBuildsNatively()) return { name: 'docker', reason: `this host is ${platform()}/${arch()}, not x86_64 Linux` };
  if (!existsSync(join(kit.buildDirPath, 'Makefile'))) return { name: 'docker', reason: `the kit's headers are not installed here (${kit.buildDirPath})` };
  return { name: 'native', reason: "x86_64 Linux with the kit's headers installed" };
}

export interface SelectOptions {
  /** Docker image builds report progress here (the first use takes a minute or two). */
  onProgress?: ProgressListener;
}

/** The toolchain for a kit (see chooseToolchain). */
export async function selectToolchain(kit: Kit, preference: ToolchainPreference = 'auto', options: SelectOptions = {}): Promise<Toolchain> {
  const { name } = chooseToolchain(kit, preference);
  switch (name) {
    case 'native':
      if (!existsSync(join(kit.buildDirPath, 'Makefile'))) {
        throw new LabError('TOOLCHAIN_MISSING', `The kit's module build directory ${kit.buildDirPath} is not on this host, so modules cannot be built natively.`, kit.source === 'debian' ? `Reinstall the kit into your cache: kshram-lab kits install --force ${kit.name}  (or use --toolchain docker)` : `Reimport the kit, or use --toolchain docker.`);
      }
      return new NativeToolchain();
    case 'docker':
      return new DockerToolchain(kit, options.onProgress);
  }
}
