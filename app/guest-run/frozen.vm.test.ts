import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { readModuleSections } from '../symbols/sections.js';
import { readElfFunctions } from '../symbols/elf-functions.js';
import { bootWorkspace, type BootedGuest } from '../../test/boot.js';
import { formatFrozenCpus, nameCpus } from './frozen.js';

/**
 * A frozen guest answers nothing, so the grader asks QEMU where its CPUs
 * are and names addresses from the module's own .ko. Here in a real guest:
 * QEMU's registers, and an address inside kshram's .text as the guest placed it.
 */
describe('where the CPUs of a guest are, from QEMU', () => {
  let booted: BootedGuest;

  beforeAll(async () => {
    booted = await bootWorkspace(moduleDir);
  });
  afterAll(async () => {
    await booted?.dispose();
  });

  it('reads every vCPU of a running guest', async () => {
    const states = await booted.vm.cpuStates();
    expect(states.map((s) => s.cpu)).toEqual([0, 1]);
    // a kernel address, or a user program's when the CPU was running one
    for (const state of states) expect(state.kernel ? state.rip >= 0xffff800000000000n : state.rip < 0x800000000000n).toBe(true);
  });

  it('names an address inside the loaded module the way the kernel would', async () => {
    expect((await booted.vm.agent.run('insmod /lib/kshram/kshram.ko', { timeoutMs: 30_000 })).status).toBe(0);
    const sections = (await readModuleSections(booted.vm.agent, 'kshram'))!;
    const text = sections.get('.text')!;
    const loaded = [{ name: 'kshram', koPath: booted.guest.kshram.koPath!, sections: Promise.resolve(sections) }];
    const koPath = booted.guest.kshram.koPath!;
    const ioctl = (await readElfFunctions(koPath)).byName.get('kshram_ioctl')!.find((f) => f.section === '.text')!;
    const rip = text + BigInt(ioctl.value + 3);
    const cpus = await nameCpus([{ cpu: 1, rip, halted: false, interruptsOn: false, kernel: true }], loaded);
    expect(cpus).toEqual([{ cpu: 1, where: `kshram_ioctl+0x3/0x${ioctl.size.toString(16)} [kshram]`, inModule: true, halted: false, interruptsOn: false }]);
    expect(formatFrozenCpus(cpus)).toBe(`CPU 1: at kshram_ioctl+0x3/0x${ioctl.size.toString(16)} [kshram], interrupts off`);
    // outside every module: the kernel, by address
    const [outside] = await nameCpus([{ cpu: 0, rip: 0xffffffff81000000n, halted: false, interruptsOn: true, kernel: true }], loaded);
    expect(outside!.where).toBe('the kernel, 0xffffffff81000000');
  });
});
