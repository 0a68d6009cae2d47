import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import type { Kit } from '../kit/kit.js';
import { cacheDir } from '../paths.js';
import { run } from '../process.js';
import { QEMU_BINARY, qemuVersion } from './qemu.js';

export type Accel = 'kvm' | 'tcg';
export type AccelPreference = Accel | 'auto';

export interface AccelChoice {
  accel: Accel;
  /** Why this one, for the user: "KVM probe printed no boot output within 3 s". */
  reason: string;
}

/**
 * A working KVM prints the kernel banner almost at once; on hosts where it
 * is broken QEMU aborts or spins silently, so silence this long means no.
 */
const KVM_PROBE_TIMEOUT_MS = 3_000;
const probeCachePath = (): string => join(cacheDir(), 'accel.json');

/** Picks KVM when asked or when a probe proves it works here, else TCG. */
export async function chooseAccel(kit: Kit, preference: AccelPreference): Promise<AccelChoice> {
  if (preference === 'tcg') return { accel: 'tcg', reason: 'TCG requested' };
  if (preference === 'kvm') return { accel: 'kvm', reason: 'KVM requested' };
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: existsSync('/dev/kvm') ? '/dev/kvm is not accessible' : 'no /dev/kvm on this host' };
  }
  const key = `${await qemuVersion()} | host ${release()} | ${kit.name} ${kit.kernelRelease}`;
  const cached = await readProbeCache();
  let works = cached[key];
  if (works === undefined) {
    works = await probeKvm(kit);
    cached[key] = works;
    await mkdir(dirname(probeCachePath()), { recursive: true });
    await writeFile(probeCachePath(), JSON.stringify(cached, null, 2));
  }
  return works
    ? { accel: 'kvm', reason: 'KVM probe booted' }
    : { accel: 'tcg', reason: `KVM is present but did not boot a kernel within ${KVM_PROBE_TIMEOUT_MS / 1000} s (probe cached in ${probeCachePath()})` };
}

async function readProbeCache(): Promise<Record<string, boolean>> {
  try {
    return JSON.parse(await readFile(probeCachePath(), 'utf8')) as Record<string, boolean>;
  } catch {
    return {};
  }
}

/** Boots the kit's kernel with no initramfs under KVM and waits for its banner. */
async function probeKvm(kit: Kit): Promise<boolean> {
  const args = ['-accel', 'kvm', '-cpu', 'host', '-m', '128M', '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot', '-kernel', kit.kernelImagePath, '-append', 'console=ttyS0 earlyprintk=ttyS0 panic=-1'];
  let seen = false;
  await run(QEMU_BINARY, args, {
    timeoutMs: KVM_PROBE_TIMEOUT_MS,
    onOutput: (text) => {
      if (/Linux version/.test(text)) seen = true;
    },
  }).catch(() => undefined);
  return seen;
}
