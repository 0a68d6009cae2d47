import { LabError } from '../errors.js';
import { runElfTool } from './elf-tools.js';

/** readelf lists a module's symbols in milliseconds; vmlinux's ~150 000 in about a second. */
const READELF_TIMEOUT_MS = 30_000;

/** One function symbol of an ELF object. */
export interface ElfFunction {
  name: string;
  /** Its section (".text", ".init.text", ".text.unlikely" for ".cold" parts, ...). */
  section: string;
  /** Its value: an offset into its section in a relocatable .ko, an address in vmlinux. */
  value: number;
  size: number;
}

export interface ElfFunctions {
  /** A relocatable object (a .ko): addresses are per section, so addr2line needs `-j SECTION`. */
  relocatable: boolean;
  byName: ReadonlyMap<string, readonly ElfFunction[]>;
}

const SECTION_HEADER = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s/;
// "    42: 0000000000000000    46 FUNC    LOCAL  DEFAULT    3 kshram_open"
const FUNCTION_SYMBOL = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+\w+\s+\w+\s+(\d+)\s+(\S+)$/;

/**
 * The function symbols of an object file, read with binutils' readelf (it
 * comes with the same binutils as addr2line, so no second ELF reader is
 * needed): each function's section, value and size.
 */
export async function readElfFunctions(objectPath: string): Promise<ElfFunctions> {
  // in the sandbox (elf-tools.ts): a student's .ko is hostile input to binutils
  const result = await runElfTool('readelf', ['-h', '-S', '-s', '-W', objectPath], { inputs: [objectPath], timeoutMs: READELF_TIMEOUT_MS });
  if (result.code !== 0) throw new LabError('INTERNAL', `readelf could not read ${objectPath}: ${result.output.trim().split('\n')[0] ?? ''}`);
  const sections = new Map<number, string>();
  const byName = new Map<string, ElfFunction[]>();
  let relocatable = false;
  for (const line of result.output.split('\n')) {
    if (/^\s*Type:\s+REL\b/.test(line)) relocatable = true;
    const section = SECTION_HEADER.exec(line);
    if (section) {
      sections.set(Number(section[1]), section[2]!);
      continue;
    }
    const symbol = FUNCTION_SYMBOL.exec(line);
    if (!symbol) continue;
    const name = symbol[4]!;
    const fn: ElfFunction = { name, section: sections.get(Number(symbol[3])) ?? '', value: parseInt(symbol[1]!, 16), size: Number(symbol[2]) };
    byName.set(name, [...(byName.get(name) ?? []), fn]);
  }
  return { relocatable, byName };
}
