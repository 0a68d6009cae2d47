import { bootGuest, type BootedGuest } from '../app/boot/boot-guest.js';
import { resolveEnvironment } from '../app/boot/environment.js';
import { DEFAULT_KIT } from '../app/kit/kit.js';

export type { BootedGuest } from '../app/boot/boot-guest.js';

/** Generous: a TCG boot takes ~5 s here, more when other VMs share the cores. */
const BOOT_TIMEOUT_MS = 90_000;

/** Builds a workspace and boots a guest with it, ready for agent commands. */
export async function bootWorkspace(workspaceDir: string, kitName = DEFAULT_KIT): Promise<BootedGuest> {
  return bootGuest(await resolveEnvironment({ kit: kitName }), { dir: workspaceDir }, { waitReadyMs: BOOT_TIMEOUT_MS });
}
