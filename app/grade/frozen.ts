import type { CpuState } from '../vm/cpu-state.js';
import { readElfFunctions } from '../symbols/elf-functions.js';

/** A module the guest loaded: its .ko, and where the guest put its .text (read once it loaded). */
export interface LoadedModule {
  name: string;
  koPath: string;
  text: Promise<bigint | undefined>;
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
 * module's .text becomes "function+offset/size [module]", as the kernel
 * itself would print it. Kernel addresses stay raw: without the guest's
 * kallsyms (KASLR) they name nothing.
 */
export async function nameCpus(states: readonly CpuState[], modules: readonly LoadedModule[]): Promise<FrozenCpu[]> {
  const placed = await Promise.all(
    modules.map(async (module) => {
      const text = await module.text.catch(() => undefined);
      const functions = text === undefined ? [] : [...(await readElfFunctions(module.koPath).catch(() => undefined))?.byName.values() ?? []].flat().filter((f) => f.section === '.text');
      return { module, text, functions };
    }),
  );
  return states.map((state) => {
    for (const { module, text, functions } of placed) {
      if (text === undefined || state.rip < text) continue;
      const offset = Number(state.rip - text);
      const fn = functions.find((f) => offset >= f.value && offset < f.value + f.size);
      if (fn) return { ...describe(state), where: `${fn.name}+0x${(offset - fn.value).toString(16)}/0x${fn.size.toString(16)} [${module.name}]`, inModule: true };
    }
    return { ...describe(state), where: `${state.kernel ? 'the kernel' : 'a user program'}, 0x${state.rip.toString(16)}`, inModule: false };
  });
}

const describe = (state: CpuState): Omit<FrozenCpu, 'where' | 'inModule'> => ({ cpu: state.cpu, halted: state.halted, interruptsOn: state.interruptsOn });

/** "CPU 1 in kshram_ioctl+0x83/0xec [kshram], interrupts off" per CPU. */
export function formatFrozenCpus(cpus: readonly FrozenCpu[]): string {
  return cpus.map((c) => `CPU ${c.cpu}: ${c.halted ? 'idle (halted)' : `at ${c.where}${c.interruptsOn ? '' : ', interrupts off'}`}`).join('\n');
}
