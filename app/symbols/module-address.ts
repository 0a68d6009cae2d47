import type { KernelFrame } from '../vm/kernel-log.js';
import type { ElfFunctions } from './elf-functions.js';

/** Where the guest loaded a module: section name -> address. */
export interface ModuleLoad {
  module: string;
  sections: Map<string, bigint>;
}

/** A module's code section is far smaller than this; beyond it an address is another module's. */
const SECTION_LIMIT = 1 << 20;

/**
 * The function of `modules` at `address` in one of its loads (logged by a
 * checked insmod, or read from /sys/module after one)
 * (latest first: a module reloaded at the same place is the same .ko);
 * 'unnamed' when it lies in a load's section but between functions.
 */
export function resolveAddress(address: bigint, modules: ReadonlyMap<string, ElfFunctions>, loads: readonly ModuleLoad[]): KernelFrame | 'unnamed' | undefined {
  let inSection = false;
  for (const load of [...loads].reverse()) {
    const elf = modules.get(load.module);
    if (!elf) continue;
    for (const functions of elf.byName.values()) {
      for (const fn of functions) {
        const base = load.sections.get(fn.section);
        if (base === undefined || address < base || address - base > BigInt(SECTION_LIMIT)) continue;
        inSection = true;
        const offset = Number(address - base) - fn.value;
        if (offset < 0 || offset >= fn.size) continue;
        const text = `${fn.name}+0x${offset.toString(16)}/0x${fn.size.toString(16)} [${load.module}]`;
        return { func: fn.name, offset, length: fn.size, module: load.module, guess: false, text };
      }
    }
  }
  return inSection ? 'unnamed' : undefined;
}
