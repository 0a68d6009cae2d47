import { createConnection } from 'node:net';

/** QEMU answers its monitor in milliseconds, even with every vCPU spinning. */
const QMP_TIMEOUT_MS = 3_000;
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
export function readCpuStates(qmpSocket: string): Promise<CpuState[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(qmpSocket);
    let buffer = '';
    let step: 'greeting' | 'capabilities' | 'registers' = 'greeting';
    const timer = setTimeout(() => finish(new Error('QEMU did not answer its monitor')), QMP_TIMEOUT_MS);
    const finish = (err: Error | undefined, states?: CpuState[]): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(states!);
    };
    const send = (command: object): void => void socket.write(`${JSON.stringify(command)}\n`);
    socket.on('error', (err) => finish(err));
    socket.on('data', (data) => {
      buffer += data.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
        if (message.event) continue;
        if (message.error) return finish(new Error(`QEMU's monitor said: ${message.error.desc ?? 'error'}`));
        if (step === 'greeting' && message.QMP) {
          step = 'capabilities';
          send({ execute: 'qmp_capabilities' });
        } else if (step === 'capabilities' && message.return !== undefined) {
          step = 'registers';
          send({ execute: 'human-monitor-command', arguments: { 'command-line': 'info registers -a' } });
        } else if (step === 'registers' && typeof message.return === 'string') {
          return finish(undefined, parseCpuStates(message.return));
        }
      }
    });
  });
}
