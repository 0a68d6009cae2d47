import type { SectionMap } from '../symbols/sections.js';
import { readElfFunctions, type ElfFunctions } from '../symbols/elf-functions.js';
import { resolveAddress, type ModuleLoad } from '../symbols/module-address.js';
import type { CpuState } from '../vm/cpu-state.js';

/** A module the guest loaded: its .ko, and where the guest put its sections (read once it loaded). */
export interface LoadedModule {
  name: string;
  koPath: string;
  sections: Promise<SectionMap | undefined>;
}

/** One vCPU of a guest that stopped answering, said in the kernel's terms. */
export interface FrozenCpu {
  cpu: number;
  /** "kshram_ioctl+0x83/0xec [kshram]" inside a loaded module, else "the kernel, 0xffffffff81192912". */
  where: string;
  /** True when `where` names a function of a module (a frame the crash decoder can place). */
  inModule: boolean;
  halted: boolean;
  interruptsOn: boolean;
}

/**
 * Names where each vCPU is, from QEMU's registers: an address inside a
 * module's code becomes "function+offset/size [module]", as the kernel
 * itself would print it. Kernel addresses stay raw: without the guest's
 * kallsyms (KASLR) they name nothing.
 */
export async function nameCpus(states: readonly CpuState[], modules: readonly LoadedModule[]): Promise<FrozenCpu[]> {
  const elves = new Map<string, ElfFunctions>();
  const loads: ModuleLoad[] = [];
  for (const module of modules) {
    const sections = await module.sections.catch(() => undefined);
    const elf = sections && (await readElfFunctions(module.koPath).catch(() => undefined));
    if (!sections || !elf) continue;
    elves.set(module.name, elf);
    loads.push({ module: module.name, sections });
  }
  return states.map((state) => {
    const frame = resolveAddress(state.rip, elves, loads);
    if (frame && frame !== 'unnamed') return { ...describe(state), where: frame.text, inModule: true };
    return { ...describe(state), where: `${state.kernel ? 'the kernel' : 'a user program'}, 0x${state.rip.toString(16)}`, inModule: false };
  });
}

const describe = (state: CpuState): Omit<FrozenCpu, 'where' | 'inModule'> => ({ cpu: state.cpu, halted: state.halted, interruptsOn: state.interruptsOn });

/** "CPU 1 in kshram_ioctl+0x83/0xec [kshram], interrupts off" per CPU. */
export function formatFrozenCpus(cpus: readonly FrozenCpu[]): string {
  return cpus.map((c) => `CPU ${c.cpu}: ${c.halted ? 'idle (halted)' : `at ${c.where}${c.interruptsOn ? '' : ', interrupts off'}`}`).join('\n');
}
