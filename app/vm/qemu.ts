import type { Kit } from '../kit/kit.js';
import { LabError } from '../errors.js';
import { run } from '../process.js';
import type { Accel } from './accel.js';

export const QEMU_BINARY = process.env.KSHRAM_LAB_QEMU ?? 'qemu-system-x86_64';

/**
 * Kernel command line every guest gets: console on ttyS0, quiet boot
 * (serial output is slow under TCG) and an immediate exit on panic, which
 * -no-reboot turns into QEMU exiting. watchdog_thresh=4 makes the kernel
 * report a CPU stuck in a module's endless loop after 8 s instead of 20 s
 * (SIGKILL cannot stop such a process); lower would risk false reports when
 * a busy host stalls a vCPU thread for seconds.
 */
const BASE_APPEND = ['console=ttyS0', 'quiet', 'panic=-1', 'watchdog_thresh=4'];

export interface QemuLaunch {
  accel: Accel;
  /** The kernel file to boot (see pvh.ts); the kit's image by default. */
  kernel?: string;
  initramfs: string;
  /** Unix socket QEMU listens on for the agent's serial port (ttyS1). */
  agentSocket: string;
  /** Unix socket of QEMU's machine protocol: where the vCPUs are when the guest no longer answers. */
  qmpSocket?: string;
  /** A gdbstub for a debug boot (app/debug/); none otherwise. */
  gdb?: GdbStubLaunch;
}

/** QEMU's gdbstub, like the course's `qemu.sh debug` (-s -S), but on a port of 127.0.0.1 only. */
export interface GdbStubLaunch {
  port: number;
  /** Stop at the first instruction until gdb continues (-S). */
  wait: boolean;
}

/** Arguments in the spirit of the course's qemu.sh, with a second serial port for the agent. */
export function qemuArgs(kit: Kit, launch: QemuLaunch): string[] {
  // a debug boot needs the module at the addresses /sys/module says, and gdb's view of them stable
  const append = [...BASE_APPEND, kit.qemu.append, launch.gdb ? 'nokaslr' : ''].filter(Boolean).join(' ');
  return [
    '-accel', launch.accel,
    // an imported kit boots the machine its qemu.sh names (parsed in kit/qemu-script.ts)
    ...(kit.qemu.machine ? ['-M', kit.qemu.machine] : []),
    '-cpu', launch.accel === 'kvm' ? 'host' : kit.qemu.cpu,
    '-smp', String(kit.qemu.smp),
    '-m', kit.qemu.memory,
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-serial', 'stdio',
    '-serial', `unix:${launch.agentSocket},server=on,wait=off`,
    ...(launch.qmpSocket ? ['-qmp', `unix:${launch.qmpSocket},server=on,wait=off`] : []),
    '-nic', 'none',
    '-no-reboot',
    '-kernel', launch.kernel ?? kit.kernelImagePath,
    '-initrd', launch.initramfs,
    '-append', append,
    ...kit.qemu.extraArgs,
    ...(launch.gdb ? ['-gdb', `tcp:127.0.0.1:${launch.gdb.port}`, ...(launch.gdb.wait ? ['-S'] : [])] : []),
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
