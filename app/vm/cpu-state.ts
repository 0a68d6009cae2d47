import { QmpClient } from './qmp.js';

/** RFLAGS.IF: the CPU takes interrupts. */
const INTERRUPT_FLAG = 0x200n;

/** Where one virtual CPU is, as QEMU sees it: true even when the guest no longer answers. */
export interface CpuState {
  cpu: number;
  rip: bigint;
  /** Halted: the CPU is idle, waiting for an interrupt. */
  halted: boolean;
  interruptsOn: boolean;
  /** Running kernel code (CPL 0) rather than a user program. */
  kernel: boolean;
}

/** Parses HMP's `info registers -a`: a "CPU#N" line, then that CPU's registers. */
export function parseCpuStates(text: string): CpuState[] {
  const states: CpuState[] = [];
  let cpu: number | undefined;
  for (const line of text.split('\n')) {
    const head = /^CPU#(\d+)/.exec(line);
    if (head) {
      cpu = Number(head[1]);
      continue;
    }
    const rip = /^RIP=([0-9a-f]+) RFL=([0-9a-f]+) .*CPL=(\d).* HLT=(\d)/.exec(line);
    if (rip && cpu !== undefined) {
      states.push({ cpu, rip: BigInt(`0x${rip[1]!}`), halted: rip[4] === '1', interruptsOn: (BigInt(`0x${rip[2]!}`) & INTERRUPT_FLAG) !== 0n, kernel: rip[3] === '0' });
      cpu = undefined;
    }
  }
  return states;
}

/**
 * Asks QEMU's machine protocol (QMP) where every vCPU is. Unlike anything
 * asked of the guest, this works when the guest is frozen: a CPU spinning
 * with interrupts off, the other one waiting for it.
 */
export async function readCpuStates(qmpSocket: string): Promise<CpuState[]> {
  const qmp = await QmpClient.connect(qmpSocket);
  try {
    return parseCpuStates(await qmp.execute<string>('human-monitor-command', { 'command-line': 'info registers -a' }));
  } finally {
    qmp.close();
  }
}
