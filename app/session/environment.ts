import type { EnvStatus, KitInfo } from '../api/contract.js';
import { toErrorData } from '../errors.js';
import { BUILTIN_KITS } from '../kit-store/install.js';
import { listKitNames, loadKit, type Kit } from '../kit/kit.js';
import { chooseAccel } from '../vm/accel.js';
import { qemuVersion } from '../vm/qemu.js';

/**
 * What the workbench needs from this machine, for the status bar and the
 * "nothing works because…" banners: the kits (built-in and installed), the
 * active kit's health, QEMU, and the accelerator a boot would use.
 */
export async function probeEnvironment(activeKit: string): Promise<EnvStatus> {
  const names = [...new Set([activeKit, ...Object.keys(BUILTIN_KITS), ...(await listKitNames())])].sort();
  let active: Kit | undefined;
  const kits: KitInfo[] = [];
  for (const name of names) {
    try {
      const kit = await loadKit(name);
      if (name === activeKit) active = kit;
      kits.push({ name, installed: true, kernelRelease: kit.kernelRelease, description: kit.description, ...(kit.sanitizers?.length ? { debug: true } : {}) });
    } catch (err) {
      const error = toErrorData(err);
      kits.push({ name, installed: error.code !== 'KIT_MISSING', error });
    }
  }
  const status: EnvStatus = { activeKit, kits, qemu: { ok: false } };
  const activeInfo = kits.find((k) => k.name === activeKit);
  if (activeInfo?.error) status.kitError = activeInfo.error;
  try {
    status.qemu = { ok: true, version: await qemuVersion() };
  } catch (err) {
    status.qemu = { ok: false, error: toErrorData(err) };
  }
  if (active && status.qemu.ok) {
    const accel = await chooseAccel(active, 'auto').catch(() => undefined);
    if (accel) status.accel = accel;
  }
  return status;
}
