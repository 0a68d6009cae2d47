import type { GraderGuest } from '../guest-run/grader-guest.js';
import { readElfFunctions, type ElfFunctions } from '../symbols/elf-functions.js';
import { resolveAddress, type ModuleLoad } from '../symbols/module-address.js';
import { kernelText, parseFrame, type KernelFrame } from '../vm/kernel-log.js';

/**
 * kmemleak (debug kits): after the module is unloaded, a scan finds the
 * blocks nothing points to any more. Its report names each block's
 * allocation call sites, but those in an unloaded module only as bare
 * addresses; the checked guest's insmod logged where each module's
 * sections were (resources/guest/insmod-checked), which names them again.
 */

/** Mounts debugfs if needed, scans (twice: a block is reported once it was seen unreferenced) and prints the findings. */
export const KMEMLEAK_SCAN_COMMAND = [
  // busybox has no mountpoint applet
  "grep -qs ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug",
  'echo scan > /sys/kernel/debug/kmemleak',
  'echo scan > /sys/kernel/debug/kmemleak',
  'cat /sys/kernel/debug/kmemleak',
].join('; ');
/** A scan of a 512 MiB guest takes a few seconds under TCG. */
export const KMEMLEAK_SCAN_TIMEOUT_MS = 60_000;

export interface LeakedBlock {
  address: string;
  size: number;
  comm: string;
  /** The allocation's call sites, innermost first, named where possible. */
  frames: KernelFrame[];
  /** Call sites in a module that could not be named (the module's load was not logged). */
  unnamed: number;
  text: string;
}


const LOAD_LINE = /kshram-lab: module (\w+) loaded:((?: \S+=0x[0-9a-f]+)*)/;
const OBJECT_START = /^unreferenced object (0x[0-9a-f]+) \(size (\d+)\):/;
const COMM = /^\s*comm "([^"]*)"/;
/**
 * "    [<00000000c6a1b2f3>] krealloc+0x4a/0x90": the first address is hashed
 * (%p); the second part is the symbol, or the bare address (%pS) when no
 * loaded code holds it any more.
 */
const BACKTRACE_LINE = /^\s*\[<[0-9a-f]+>\]\s+(.*)$/;
const BARE_ADDRESS = /^0x([0-9a-f]+)$/;

/** The module loads the checked guest's insmod logged on the console, in order. */
export function parseModuleLoads(console: string): ModuleLoad[] {
  const loads: ModuleLoad[] = [];
  for (const line of console.split('\n')) {
    const match = LOAD_LINE.exec(line);
    if (!match) continue;
    const sections = new Map<string, bigint>();
    for (const pair of match[2]!.trim().split(/\s+/).filter(Boolean)) {
      const [name, address] = pair.split('=');
      sections.set(name!, BigInt(address!));
    }
    loads.push({ module: match[1]!, sections });
  }
  return loads;
}

/**
 * The blocks of `cat /sys/kernel/debug/kmemleak` whose allocation passed
 * through one of `modules` (by name in a frame, or by address in one of
 * their logged loads). Blocks the kernel itself lost are not the
 * student's and are left out.
 */
export function parseKmemleak(output: string, modules: ReadonlyMap<string, ElfFunctions>, loads: readonly ModuleLoad[]): LeakedBlock[] {
  const blocks: LeakedBlock[] = [];
  let block: (LeakedBlock & { mine: boolean }) | undefined;
  const finish = (): void => {
    if (block?.mine) blocks.push({ address: block.address, size: block.size, comm: block.comm, frames: block.frames, unnamed: block.unnamed, text: block.text });
    block = undefined;
  };
  for (const raw of output.replace(/\r/g, '').split('\n')) {
    const line = kernelText(raw);
    const start = OBJECT_START.exec(line);
    if (start) {
      finish();
      block = { address: start[1]!, size: Number(start[2]), comm: '', frames: [], unnamed: 0, text: line, mine: false };
      continue;
    }
    if (!block) continue;
    block.text += `\n${raw}`;
    const comm = COMM.exec(raw);
    if (comm) block.comm = comm[1]!;
    const entry = BACKTRACE_LINE.exec(raw);
    if (!entry) continue;
    const named = parseFrame(entry[1]!);
    if (named && !named.guess) {
      block.frames.push(named);
      if (named.module && modules.has(named.module)) block.mine = true;
      continue;
    }
    const bare = BARE_ADDRESS.exec(entry[1]!.trim());
    if (!bare) continue;
    const resolved = resolveAddress(BigInt(`0x${bare[1]}`), modules, loads);
    if (resolved === 'unnamed') {
      block.unnamed++;
      block.mine = true;
    } else if (resolved) {
      block.frames.push(resolved);
      block.mine = true;
    }
  }
  finish();
  return blocks;
}

/**
 * "11 objects (45056 bytes) allocated in kshram_realloc+0x3a/0x90 [kshram]
 * were never freed (by insmod, check_resize)": blocks from one place.
 */
export function describeLeaks(blocks: readonly LeakedBlock[]): string {
  const first = blocks[0];
  const site = first?.frames.find((frame) => frame.module) ?? first?.frames[0];
  const bytes = blocks.reduce((sum, block) => sum + block.size, 0);
  const comms = [...new Set(blocks.map((block) => block.comm).filter(Boolean))];
  const objects = `${blocks.length} object${blocks.length === 1 ? '' : 's'} (${bytes} bytes)`;
  return `${objects} allocated${site ? ` in ${site.text}` : ''} were never freed${comms.length ? ` (by ${comms.join(', ')})` : ''}`;
}

/**
 * Scans for leaks in the guest (the modules unloaded by now) and returns
 * the blocks allocated through `modules` (name -> the .ko that was
 * loaded). A guest that is gone or does not answer gives none.
 */
export async function scanLeaks(session: GraderGuest, modules: Readonly<Record<string, string>>): Promise<LeakedBlock[]> {
  if (!session.vm.running) return [];
  const scan = await session.exec(KMEMLEAK_SCAN_COMMAND, KMEMLEAK_SCAN_TIMEOUT_MS);
  if (scan.kind !== 'done') return [];
  const elves = new Map<string, ElfFunctions>();
  for (const [name, koPath] of Object.entries(modules)) elves.set(name, await readElfFunctions(koPath));
  return parseKmemleak(scan.result.output, elves, parseModuleLoads(session.vm.console));
}
