import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runElfTool } from '../symbols/elf-tools.js';

/** readelf and objcopy on a module take milliseconds. */
const BINUTILS_TIMEOUT_MS = 20_000;

// "  [27] __patchable_function_entries PROGBITS        0000000000000018 001698 ..."
const SECTION = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s/;

/**
 * The .ko to give gdb. gdb lays out a relocatable file's sections apart
 * only when they all have address 0; a Linux 6.12 kshram.ko has two that
 * do not (__patchable_function_entries, .data), and gdb then reads every
 * function's DWARF as if in .text: kshram_init and kshram_exit land at
 * .text+0x10 and a breakpoint on an init line at an address in .text. A
 * copy with those addresses zeroed (objcopy) is read right; without
 * binutils, or when all are zero (6.1), the module itself. Both tools
 * run in the sandbox of every host-side ELF read (symbols/elf-tools.ts).
 */
export async function gdbSymbolFile(koPath: string): Promise<string> {
  const listing = await runElfTool('readelf', ['-SW', koPath], { inputs: [koPath], timeoutMs: BINUTILS_TIMEOUT_MS }).catch(() => undefined);
  if (!listing || listing.code !== 0) return koPath;
  const placed = listing.output.split('\n').flatMap((line) => {
    const match = SECTION.exec(line);
    return match && BigInt(`0x${match[2]}`) !== 0n ? [match[1]!] : [];
  });
  if (placed.length === 0) return koPath;
  // a folder of its own: the one place objcopy may write
  const outputDir = join(dirname(koPath), 'for-gdb');
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir);
  const copy = join(outputDir, 'kshram.ko');
  const args = [...placed.flatMap((name) => ['--change-section-address', `${name}=0`]), koPath, copy];
  const result = await runElfTool('objcopy', args, { inputs: [koPath], outputDir, timeoutMs: BINUTILS_TIMEOUT_MS }).catch(() => undefined);
  return result?.code === 0 ? copy : koPath;
}
