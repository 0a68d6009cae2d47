import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectToolchain } from '../app/build/select.js';
import { prepareGuest, type PreparedGuest } from '../app/guest/prepare.js';
import { DEFAULT_KIT, loadKit } from '../app/kit/kit.js';
import { chooseAccel } from '../app/vm/accel.js';
import { Vm } from '../app/vm/vm.js';

/** Generous: a TCG boot takes ~5 s here, more when other VMs share the cores. */
const BOOT_TIMEOUT_MS = 90_000;

export interface BootedGuest {
  vm: Vm;
  guest: PreparedGuest;
  /** Stops the VM and removes the build files. */
  dispose(): Promise<void>;
}

/** Builds a workspace and boots a guest with it, ready for agent commands. */
export async function bootWorkspace(workspaceDir: string, kitName = DEFAULT_KIT): Promise<BootedGuest> {
  const kit = await loadKit(kitName);
  const toolchain = await selectToolchain(kit);
  const accel = await chooseAccel(kit, 'auto');
  const runDir = await mkdtemp(join(tmpdir(), 'kshram-test-'));
  const guest = await prepareGuest({ kit, toolchain, workspaceDir, runDir });
  const vm = await Vm.start({ kit, accel: accel.accel, initramfs: guest.initramfs });
  const dispose = async (): Promise<void> => {
    await vm.stop();
    await rm(runDir, { recursive: true, force: true });
  };
  try {
    await vm.agent.waitReady(BOOT_TIMEOUT_MS);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { vm, guest, dispose };
}
