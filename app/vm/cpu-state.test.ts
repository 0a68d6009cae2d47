import { describe, expect, it } from 'vitest';
import { parseCpuStates } from './cpu-state.js';

// QEMU 7.2's `info registers -a` for a guest frozen by a module (trimmed to the lines parsed and their neighbours)
const FROZEN = `CPU#0
RAX=0000000000000000 RBX=ffffc900003bfe58 RCX=0000000000000000 RDX=0000000000000000
RIP=ffffffff81a592eb RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1
ES =0000 0000000000000000 ffffffff 00c00000
CPU#1
RAX=0000000000000001 RBX=ffff888004b1c000 RCX=0000000000000000 RDX=0000000000000000
RIP=ffffffffc02062a3 RFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
CPU#2
RIP=00007f3a1c2b9e10 RFL=00000202 [-------] CPL=3 II=0 A20=1 SMM=0 HLT=0
`;

describe('QEMU registers', () => {
  it('says per CPU where it is, whether it is idle, takes interrupts and runs the kernel', () => {
    expect(parseCpuStates(FROZEN)).toEqual([
      { cpu: 0, rip: 0xffffffff81a592ebn, halted: true, interruptsOn: true, kernel: true },
      { cpu: 1, rip: 0xffffffffc02062a3n, halted: false, interruptsOn: false, kernel: true },
      { cpu: 2, rip: 0x00007f3a1c2b9e10n, halted: false, interruptsOn: true, kernel: false },
    ]);
  });

  it('finds nothing in text that is not a register dump', () => {
    expect(parseCpuStates('Error: no such command\n')).toEqual([]);
  });
});
