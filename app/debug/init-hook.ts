import type { AgentClient } from '../agent/agent.js';
import { runElfTool } from '../symbols/elf-tools.js';
import type { MiChannel } from './mi-channel.js';
import { miQuote, miString, type MiRecord } from './mi.js';
import { isWantedSection, type SectionMap } from '../symbols/sections.js';

/** gdb reads a module's DWARF types in well under a second. */
const PROBE_TIMEOUT_MS = 20_000;
/** One grep of /proc/kallsyms: the kernel formats ~100 000 lines, slow under TCG on a loaded host. */
const KALLSYMS_TIMEOUT_MS = 60_000;
/** A module has a few dozen sections; more means the layout was misread. */
const MAX_SECTIONS = 200;

/**
 * Where, in the guest kernel's `struct module`, the init hook finds the
 * module's name and its section addresses. The kits have no vmlinux DWARF,
 * but kshram.ko is built with -g against the kit's headers: its
 * .gnu.linkonce.this_module is a `struct module`, so its DWARF has the
 * layout. The section list is `mod->sect_attrs` (kernel/module/sysfs.c, the
 * same list /sys/module/M/sections shows), filled by load_module before it
 * calls do_init_module: exact for every section, whatever order the kernel
 * version lays them out in. Its two structs are private to sysfs.c, so
 * their layout is built from the public ones they hold:
 *   struct module_sect_attrs { struct attribute_group grp; unsigned int nsections; struct module_sect_attr attrs[]; };
 *   struct module_sect_attr { struct bin_attribute battr; unsigned long address; };
 * (the same in Linux 6.1 and 6.12; battr.attr.name, the section's name, is at offset 0).
 */
export interface ModuleLayout {
  nameOffset: number;
  sectAttrsOffset: number;
  /** Offset of nsections in module_sect_attrs. */
  countOffset: number;
  /** Offset of attrs[] in module_sect_attrs. */
  attrsOffset: number;
  /** sizeof(struct module_sect_attr). */
  attrSize: number;
  /** Offset of address in module_sect_attr. */
  addressOffset: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Reads the layout from kshram.ko's DWARF with a batch gdb; undefined when it lacks a field (another kernel). */
export async function probeModuleLayout(koPath: string): Promise<ModuleLayout | undefined> {
  const fields = {
    name: '(long)&((struct module *)0)->name',
    sectAttrs: '(long)&((struct module *)0)->sect_attrs',
    group: 'sizeof(struct attribute_group)',
    battr: 'sizeof(struct bin_attribute)',
  };
  const args = ['-batch', '-nx', koPath, ...Object.entries(fields).flatMap(([key, expr]) => ['-ex', `printf "${key}=%ld\\n", ${expr}`])];
  // a batch gdb reading the student's .ko: in the sandbox of every host-side ELF read
  const result = await runElfTool('gdb', args, { inputs: [koPath], timeoutMs: PROBE_TIMEOUT_MS }).catch(() => undefined);
  if (!result) return undefined;
  const value = (key: string): number | undefined => {
    const match = new RegExp(`^${key}=(\\d+)$`, 'm').exec(result.output);
    return match ? Number(match[1]) : undefined;
  };
  const [name, sectAttrs, group, battr] = [value('name'), value('sectAttrs'), value('group'), value('battr')];
  if (name === undefined || sectAttrs === undefined || group === undefined || battr === undefined) return undefined;
  const addressOffset = battr;
  return { nameOffset: name, sectAttrsOffset: sectAttrs, countOffset: group, attrsOffset: align8(group + 4), attrSize: align8(addressOffset + 8), addressOffset };
}

/** do_init_module's address (fixed with nokaslr), from the guest's /proc/kallsyms. */
export async function doInitModuleAddress(agent: AgentClient): Promise<bigint | undefined> {
  const result = await agent.run("grep ' do_init_module$' /proc/kallsyms", { timeoutMs: KALLSYMS_TIMEOUT_MS });
  const match = /^([0-9a-f]{16}) [tT] do_init_module$/m.exec(result.output);
  const address = match ? BigInt(`0x${match[1]}`) : 0n;
  // all zeros: kptr_restrict hides addresses
  return address > 0n ? address : undefined;
}

/**
 * The hook breakpoint's condition: the module being initialized is kshram.
 * Compared as one 8-byte word ("kshram" and two NULs; the name field is
 * zero-padded) so gdb needs neither Python ($_streq) nor symbols, and
 * other modules' loads resume inside gdb without a stop being reported.
 */
export function kshramCondition(layout: ModuleLayout): string {
  const word = Buffer.alloc(8);
  word.write('kshram', 'latin1');
  return `*(unsigned long long *)($rdi + ${layout.nameOffset}) == 0x${word.readBigUInt64LE().toString(16)}`;
}

async function evaluate(mi: MiChannel, expression: string): Promise<string> {
  const done = await mi.command(`-data-evaluate-expression "${expression}"`);
  const value = miString(done.results, 'value');
  if (value === undefined) throw new Error(`gdb gave no value for ${expression}`);
  return value;
}

/**
 * With the guest stopped at do_init_module(mod = $rdi), the module's
 * sections as load_module placed them, .init.* included: what gdb needs
 * for breakpoints in kshram_init before it runs.
 */
export async function readInitSections(mi: MiChannel, layout: ModuleLayout): Promise<SectionMap> {
  const attrs = BigInt(await evaluate(mi, `*(unsigned long *)($rdi + ${layout.sectAttrsOffset})`));
  const count = Number(await evaluate(mi, `*(unsigned int *)(${attrs} + ${layout.countOffset})`));
  if (!attrs || !Number.isInteger(count) || count <= 0 || count > MAX_SECTIONS) throw new Error(`unexpected section list (${count} sections)`);
  const sections: SectionMap = new Map();
  for (let i = 0; i < count; i++) {
    const attr = attrs + BigInt(layout.attrsOffset + i * layout.attrSize);
    // gdb prints a char * as: 0xffffffff82345678 ".text"
    const name = /"([^"]+)"$/.exec(await evaluate(mi, `*(char **)${attr}`))?.[1];
    if (!name || !isWantedSection(name, true)) continue;
    sections.set(name, BigInt(await evaluate(mi, `*(unsigned long *)(${attr} + ${layout.addressOffset})`)));
  }
  if (!sections.has('.text') || !sections.has('.init.text')) throw new Error('no .text or .init.text in the section list');
  return sections;
}

/** Where the hook goes: do_init_module, and how to read kshram's struct module there. */
interface HookSite {
  layout: ModuleLayout;
  address: bigint;
}

/**
 * Makes breakpoints in kshram_init work: a hidden breakpoint at
 * do_init_module, which the kernel calls once the module's sections are in
 * place and before its init runs. When kshram is the module (the
 * condition, evaluated by gdb: other modules resume without a reported
 * stop), the session loads the symbols at the addresses load_module chose,
 * .init.text included, so a breakpoint in kshram_init resolves before
 * kshram_init runs; then the guest goes on. The student never sees the
 * hook's stop. Without a layout or an address, init breakpoints stay
 * pending as before: the rest of debugging works.
 */
export class InitHook {
  /** struct module's layout from kshram.ko's DWARF, read once gdb starts (host only). */
  private readonly layout: Promise<ModuleLayout | undefined>;
  private placed: { id: number; site: HookSite } | undefined;

  constructor(
    private readonly mi: MiChannel,
    koPath: string,
  ) {
    this.layout = probeModuleLayout(koPath).catch(() => undefined);
  }

  get armed(): boolean {
    return this.placed !== undefined;
  }

  /** The hook's own breakpoint, which the student's list leaves out. */
  isHookBreakpoint(id: number): boolean {
    return this.placed?.id === id;
  }

  /**
   * Where the hook goes, or why it cannot: do_init_module's address is read
   * from the guest's /proc/kallsyms, so the agent must answer (the guest runs).
   */
  async locate(agent: AgentClient): Promise<HookSite | { why: string }> {
    const layout = await this.layout;
    if (!layout) return { why: "kshram.ko's debug info has no struct module" };
    const address = await doInitModuleAddress(agent).catch(() => undefined);
    return address ? { layout, address } : { why: "do_init_module's address is not in the guest's /proc/kallsyms" };
  }

  /** Sets the hidden breakpoint at `site`; the guest must be stopped. */
  async insert(site: HookSite): Promise<void> {
    const done = await this.mi.command(`-break-insert -c ${miQuote(kshramCondition(site.layout))} *0x${site.address.toString(16)}`);
    const id = Number(miString(done.results.bkpt, 'number'));
    if (!Number.isInteger(id)) return;
    this.placed = { id, site };
    // no "Breakpoint N, 0x… in ?? ()" in the student's console for a stop they never see
    await this.mi.command(`-break-commands ${id} "silent"`);
  }

  /**
   * Could `record` be the hook's stop? Its breakpoint is `silent` (nothing
   * in the student's console), and gdb then reports the stop without a
   * reason, frame or breakpoint number: any reasonless stop is a candidate.
   */
  mayBeStop(record: MiRecord): boolean {
    if (!this.placed) return false;
    const bkptno = miString(record.results, 'bkptno');
    return bkptno === String(this.placed.id) || (!bkptno && !miString(record.results, 'reason'));
  }

  /** A candidate is the hook's stop when the guest stands at do_init_module. */
  async isStop(record: MiRecord): Promise<boolean> {
    if (!this.placed || !this.mayBeStop(record)) return false;
    const pc = await this.mi.command('-data-evaluate-expression "(unsigned long)$pc"').catch(() => undefined);
    return BigInt(miString(pc?.results, 'value') ?? '0') === this.placed.site.address;
  }

  /** At the hook's stop: kshram's sections as load_module placed them, .init.* included. */
  initSections(): Promise<SectionMap> {
    if (!this.placed) return Promise.reject(new Error('the init hook is not set'));
    return readInitSections(this.mi, this.placed.site.layout);
  }
}
