import type { AgentClient } from '../agent/agent.js';

/** Reading a few sysfs files takes milliseconds; the guest may be slow under TCG. */
const SECTIONS_TIMEOUT_MS = 10_000;

/** Where a module's sections were placed in the guest's memory: ".text" → address. */
export type SectionMap = Map<string, bigint>;

/**
 * The sections gdb needs to map code and data to source. `.init.*` is left
 * out once the module is live: the kernel frees it when init returns, and
 * symbols (or a breakpoint in kshram_init) there would name whatever reuses
 * the memory; only the init hook (init-hook.ts) maps it, before init runs.
 * Notes, ORC tables and the kallsyms copies (.symtab/.strtab at their
 * runtime address) hold no code or variables.
 */
const WANTED = /^\.(text|rodata|data|bss|exit\.text|gnu\.linkonce\.this_module)/;
const INIT = /^\.init\.(text|rodata|data)/;

export function isWantedSection(name: string, withInit = false): boolean {
  return WANTED.test(name) || (withInit && INIT.test(name));
}

/** Parses `grep -H . /sys/module/M/sections/*` output ("…/sections/.text:0xffffffffc0201000"). */
export function parseSections(output: string): SectionMap {
  const sections: SectionMap = new Map();
  for (const line of output.split('\n')) {
    const match = /\/sections\/([^/:]+):(0x[0-9a-fA-F]+)\s*$/.exec(line.trim());
    if (match && isWantedSection(match[1]!)) sections.set(match[1]!, BigInt(match[2]!));
  }
  return sections;
}

/**
 * The module's sections as the guest placed them, or undefined when it is
 * not loaded. Throws (says nothing) while its init runs: sysfs lists the
 * sections already then, and loading them without .init.text would take
 * kshram_init's lines away from a student stepping through it.
 */
export async function readModuleSections(agent: AgentClient, module: string): Promise<SectionMap | undefined> {
  const dir = `/sys/module/${module}`;
  const result = await agent.run(`grep -H . ${dir}/initstate ${dir}/sections/.[a-z_]* ${dir}/sections/[a-z_]* 2>/dev/null`, { timeoutMs: SECTIONS_TIMEOUT_MS });
  // no answer (the guest was stopped meanwhile) says nothing about the module
  if (result.timedOut || result.status === null) throw new Error('no answer from the guest');
  if (/\/initstate:coming$/m.test(result.output)) throw new Error('the module is still in its init');
  const sections = parseSections(result.output);
  return sections.has('.text') ? sections : undefined;
}

/** gdb's command that loads a module's DWARF at the addresses the guest used. */
export function addSymbolFileCommand(koPath: string, sections: SectionMap): string {
  const args = [...sections].map(([name, address]) => `-s ${name} 0x${address.toString(16)}`);
  return `add-symbol-file ${koPath} ${args.join(' ')}`;
}

/** The same load, undone: gdb finds the file by an address inside its .text. */
export function removeSymbolFileCommand(sections: SectionMap): string {
  return `remove-symbol-file -a 0x${sections.get('.text')!.toString(16)}`;
}

/** Two loads at the same places (an unchanged module): nothing to redo. */
export function sameSections(a: SectionMap | undefined, b: SectionMap | undefined): boolean {
  if (!a || !b) return a === b;
  return a.size === b.size && [...a].every(([name, address]) => b.get(name) === address);
}
