import type { Kit } from '../kit/kit.js';
import { LabError } from '../errors.js';
import { run } from '../process.js';
import type { Accel } from './accel.js';

export const QEMU_BINARY = process.env.KSHRAM_LAB_QEMU ?? 'qemu-system-x86_64';

/**
 * The soft-lockup threshold for what runs in the guest once it is up: a
 * CPU stuck in a module's endless loop is reported after 2 x 4 = 8 s
 * instead of 20 s (SIGKILL cannot stop such a process); lower would risk
 * false reports when a busy host stalls a vCPU thread for seconds.
 */
export const WATCHDOG_THRESH_S = 4;
/**
 * While the kernel itself boots it keeps its default threshold (20 s):
 * under TCG on a busy host its own boot work can hold a CPU for longer
 * than 8 s (a kworker was reported stuck for 9 s while a slow kernel
 * booted), which failed item 1 with nothing wrong in the module.
 */
const BOOT_WATCHDOG_THRESH_S = 10;

/**
 * The soft-lockup parameters for a guest whose commands run under
 * `thresholdS`: the kernel boots with at least its default, and our /init
 * (resources/guest/init) sets `thresholdS` from its environment
 * (kshram_watchdog_thresh, which the kernel hands init) before the agent
 * and the console shell start. Later parameters win, so a kit can append
 * its own.
 */
export function watchdogParameters(thresholdS: number): string[] {
  return [`watchdog_thresh=${Math.max(thresholdS, BOOT_WATCHDOG_THRESH_S)}`, `kshram_watchdog_thresh=${thresholdS}`];
}

/**
 * Kernel command line every guest gets: console on ttyS0, quiet boot
 * (serial output is slow under TCG), an immediate exit on panic, which
 * -no-reboot turns into QEMU exiting, and the soft-lockup thresholds above.
 * no_timer_check skips the kernel's early test that the timer interrupt
 * arrives while it busy-waits: a vCPU thread the host does not run for a
 * moment misses the ticks, and the kernel panicked at boot ("IO-APIC +
 * timer doesn't work!") on a busy host. Linux sets the same for itself
 * under KVM for that reason; QEMU's timer does work. cryptomgr.notests
 * skips the crypto self-tests, which the lab's modules never use: with
 * initcall_debug they were ~0.7 s of a TCG boot on a busy host
 * (crypto_algapi_init), and paired boots used 7% less CPU with it, every
 * pair less (bench/RESULTS.md).
 */
const BASE_APPEND = ['console=ttyS0', 'quiet', 'panic=-1', 'no_timer_check', 'cryptomgr.notests', ...watchdogParameters(WATCHDOG_THRESH_S)];

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
