import { selectToolchain, type ToolchainPreference } from '../build/select.js';
import type { Toolchain } from '../build/toolchain.js';
import { DEFAULT_KIT, loadKit, type Kit } from '../kit/kit.js';
import { chooseAccel, type AccelChoice, type AccelPreference } from '../vm/accel.js';

export interface EnvironmentOptions {
  kit?: string;
  accel?: AccelPreference;
  toolchain?: ToolchainPreference;
}

/** What every boot needs from this machine, resolved once (a batch shares it across submissions). */
export interface Environment {
  kit: Kit;
  toolchain: Toolchain;
  accel: AccelChoice;
}

/** Loads the kit and picks the toolchain and accelerator; throws a LabError when one is missing. */
export async function resolveEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const kit = await loadKit(options.kit ?? DEFAULT_KIT);
  const toolchain = await selectToolchain(kit, options.toolchain);
  const accel = await chooseAccel(kit, options.accel ?? 'auto');
  return { kit, toolchain, accel };
}
