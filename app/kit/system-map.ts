/**
 * A kernel's code symbols by address, read from a System.map
 * ("ffffffff81381d20 T __x64_sys_ioctl", the format of the kernel build's
 * System.map and of /proc/kallsyms): names for kernel code the kit has no
 * debug info for. Addresses are the kernel's link addresses, which a guest
 * booted with `nokaslr` (every debug boot) runs at.
 */

/** Code symbols: global and local text, weak (nm prints a weak function as W). */
const LINE = /^([0-9a-f]{8,16}) ([tTwW]) (\S+)/;
/** The kernel's own text spans [_stext, _etext): entry code, retpoline thunks and every function. */
const TEXT_START = '_stext';
const TEXT_END = '_etext';

/** Where an address falls: the symbol at or below it and the distance from it. */
export interface SymbolAt {
  name: string;
  offset: bigint;
}

/** "__x64_sys_ioctl+0x90", as the kernel's own stack dumps print a code address. */
export function formatSymbolAt(at: SymbolAt): string {
  return `${at.name}+0x${at.offset.toString(16)}`;
}

interface Entry {
  address: bigint;
  name: string;
  /** Ranks aliases (several names at one address): lower is the one shown. */
  rank: number;
}

/** Names the linker script provides to mark a section's ends (scripts/kallsyms.c): never the name to show. */
const SECTION_MARKER = /^__(start_|stop_|end_)|^__.+(_start|_end)$/;

/**
 * Which of several names at one address to show, as scripts/kallsyms
 * orders aliases: a strong symbol before a weak one, a function before a
 * section marker (`__x86_indirect_thunk_rax`, not `__indirect_thunk_start`),
 * then the name with fewer leading underscores.
 */
function rank(type: string, name: string): number {
  const underscores = /^_*/.exec(name)![0].length;
  return (/[wW]/.test(type) ? 1000 : 0) + (SECTION_MARKER.test(name) ? 100 : 0) + underscores;
}

export class KernelSymbols {
  private constructor(
    /** Sorted by address; one entry per address. */
    private readonly entries: Entry[],
    private readonly byName: Map<string, bigint>,
    private readonly textStart: bigint,
    private readonly textEnd: bigint,
  ) {}

  /** Parses a System.map; undefined when it names no kernel text (an empty or placeholder map). */
  static parse(text: string): KernelSymbols | undefined {
    const byAddress = new Map<bigint, Entry>();
    const byName = new Map<string, bigint>();
    for (const line of text.split('\n')) {
      const match = LINE.exec(line);
      if (!match) continue;
      const address = BigInt(`0x${match[1]}`);
      const name = match[3]!;
      if (!byName.has(name)) byName.set(name, address);
      const entry = { address, name, rank: rank(match[2]!, name) };
      const there = byAddress.get(address);
      if (!there || entry.rank < there.rank) byAddress.set(address, entry);
    }
    const textStart = byName.get(TEXT_START);
    const textEnd = byName.get(TEXT_END);
    // Debian's linux-image packages ship a one-line placeholder System.map: no text markers
    if (textStart === undefined || textEnd === undefined || textEnd <= textStart) return undefined;
    const entries = [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    return new KernelSymbols(entries, byName, textStart, textEnd);
  }

  /** How many addresses have a name. */
  get size(): number {
    return this.entries.length;
  }

  /** A symbol's address, for checking the map against the running kernel. */
  address(name: string): bigint | undefined {
    return this.byName.get(name);
  }

  /** True when `address` is in the kernel's text (not a module's, not data). */
  isText(address: bigint): boolean {
    return address >= this.textStart && address < this.textEnd;
  }

  /** The symbol `address` falls in, or undefined outside the kernel's text. */
  lookup(address: bigint): SymbolAt | undefined {
    if (!this.isText(address)) return undefined;
    let low = 0;
    let high = this.entries.length - 1;
    // the last entry at or below the address
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.entries[mid]!.address <= address) low = mid;
      else high = mid - 1;
    }
    const entry = this.entries[low]!;
    return entry.address <= address ? { name: entry.name, offset: address - entry.address } : undefined;
  }
}
