import type { Kit } from '../kit/kit.js';
import { LabError } from '../errors.js';
import { run } from '../process.js';
import type { Accel } from './accel.js';
import { kernelCommandLine, type BootProfile } from './profile.js';

export const QEMU_BINARY = process.env.KSHRAM_LAB_QEMU ?? 'qemu-system-x86_64';

export interface QemuLaunch {
  accel: Accel;
  /** The kernel file to boot (see pvh.ts); the kit's image by default. */
  kernel?: string;
  initramfs: string;
  /** Unix socket QEMU listens on for the agent's serial port (ttyS1). */
  agentSocket: string;
  /** Unix socket of QEMU's machine protocol: where the vCPUs are when the guest no longer answers. */
  qmpSocket?: string;
  /** Checked, debug (a gdbstub), watchdog: what the kernel's command line and QEMU's options add. */
  profile: BootProfile;
}

/**
 * The console's chardev: stdio (the pty node-pty gives QEMU) with
 * signal=off. QEMU's default for stdio (signal=on) keeps the terminal's
 * ISIG, so a ^C typed into the console was SIGINT for QEMU itself and
 * ended the VM ("terminating on signal 2") instead of the guest's program.
 */
const CONSOLE_CHARDEV = 'console';

/** Arguments in the spirit of the course's qemu.sh, with a second serial port for the agent. */
export function qemuArgs(kit: Kit, launch: QemuLaunch): string[] {
  const { debug } = launch.profile;
  return [
    '-accel', launch.accel,
    // an imported kit boots the machine its qemu.sh names (parsed in kit-store/qemu-script.ts)
    ...(kit.qemu.machine ? ['-M', kit.qemu.machine] : []),
    '-cpu', launch.accel === 'kvm' ? 'host' : kit.qemu.cpu,
    '-smp', String(kit.qemu.smp),
    '-m', kit.qemu.memory,
    '-nodefaults', '-no-user-config', '-display', 'none',
    // the console's pty is the guest's serial line: ^C, ^Z, ^\\ reach the guest's foreground program, not QEMU
    '-chardev', `stdio,id=${CONSOLE_CHARDEV},signal=off`,
    '-serial', `chardev:${CONSOLE_CHARDEV}`,
    '-serial', `unix:${launch.agentSocket},server=on,wait=off`,
    ...(launch.qmpSocket ? ['-qmp', `unix:${launch.qmpSocket},server=on,wait=off`] : []),
    '-nic', 'none',
    '-no-reboot',
    '-kernel', launch.kernel ?? kit.kernelImagePath,
    '-initrd', launch.initramfs,
    '-append', kernelCommandLine(kit, launch.profile),
    ...kit.qemu.extraArgs,
    ...(debug ? ['-gdb', `tcp:127.0.0.1:${debug.port}`, ...(debug.wait ? ['-S'] : [])] : []),
  ];
}

let versionCache: string | undefined;

/** "QEMU emulator version 7.2.x"; throws QEMU_MISSING when there is none. */
export async function qemuVersion(): Promise<string> {
  if (versionCache) return versionCache;
  try {
    const result = await run(QEMU_BINARY, ['--version'], { timeoutMs: 10_000 });
    versionCache = result.output.split('\n')[0]!.trim();
    return versionCache;
  } catch {
    throw qemuMissing();
  }
}

export function qemuMissing(): LabError {
  return new LabError('QEMU_MISSING', `QEMU (${QEMU_BINARY}) is not installed.`, 'Install it: apt-get install qemu-system-x86 (Debian/Ubuntu), brew install qemu (macOS); or run npm run setup.');
}
