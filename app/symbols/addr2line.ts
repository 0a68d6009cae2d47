import { LabError } from '../errors.js';
import { runElfTool } from './elf-tools.js';

/** addr2line answers a handful of addresses in well under a second, vmlinux included. */
const ADDR2LINE_TIMEOUT_MS = 30_000;

/** One step of an address's inline chain, innermost first. */
export interface DwarfLocation {
  function: string;
  /** As DWARF names it (absolute for our builds); undefined when unknown ("??"). */
  file?: string;
  line?: number;
}

// "/tmp/x/kshram.c:241 (discriminator 3)", "??:0", "??:?"
const FILE_LINE = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/;
const ADDRESS_LINE = /^0x[0-9a-f]+$/;

/**
 * The source location of each address with its inline chain, from the
 * object's DWARF: `addr2line -a -f -i`, addresses relative to `section`
 * for a relocatable .ko (addr2line applies the .ko's relocations itself).
 * `-a` prints each address before its chain, which is how the chains of
 * several addresses in one call are told apart.
 */
export async function addr2line(objectPath: string, section: string | undefined, addresses: readonly number[]): Promise<DwarfLocation[][]> {
  if (!addresses.length) return [];
  const args = ['-a', '-f', '-i', '-e', objectPath, ...(section ? ['-j', section] : []), ...addresses.map((a) => `0x${a.toString(16)}`)];
  // in the sandbox (elf-tools.ts): a student's .ko is hostile input to binutils
  const result = await runElfTool('addr2line', args, { inputs: [objectPath], timeoutMs: ADDR2LINE_TIMEOUT_MS });
  if (result.code !== 0) throw new LabError('INTERNAL', `addr2line could not read ${objectPath}: ${result.output.trim().split('\n')[0] ?? ''}`);
  return parseAddr2line(result.output);
}

/** addr2line -a -f -i output: per address, its line, then function / file:line pairs. */
export function parseAddr2line(output: string): DwarfLocation[][] {
  const chains: DwarfLocation[][] = [];
  const lines = output.split('\n').filter((line) => line.trim());
  for (let i = 0; i < lines.length; i++) {
    if (ADDRESS_LINE.test(lines[i]!)) {
      chains.push([]);
      continue;
    }
    const chain = chains.at(-1);
    const where = FILE_LINE.exec(lines[i + 1] ?? '');
    if (!chain || !where) continue;
    const fn = lines[i]!;
    i++;
    const file = where[1] === '??' ? undefined : where[1];
    const line = where[2] === '?' || where[2] === '0' ? undefined : Number(where[2]);
    chain.push({ function: fn === '??' ? '' : fn, ...(file ? { file } : {}), ...(line ? { line } : {}) });
  }
  return chains;
}
