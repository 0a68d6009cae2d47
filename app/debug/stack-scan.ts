import type { Kit } from '../kit/kit.js';
import type { KernelSymbols, SymbolAt } from '../kit/system-map.js';

/**
 * Kernel frames past the last one gdb can unwind, found the way the
 * kernel's own unreliable unwinder finds its "? " lines: words on the
 * task's stack that point into kernel text just after a call instruction.
 * gdb cannot unwind kernel code here (Debian's kernels unwind with ORC,
 * keep no frame pointers, and the kits have no DWARF for vmlinux), so each
 * such frame is a good guess, not a fact: a stale return address left by
 * an earlier call looks the same. Two checks keep the guesses honest:
 *   - the bytes before the word are a call instruction, read from the
 *     guest's memory (the kernel patches its call sites at boot);
 *   - from the stack's bottom (the syscall entry) down, direct calls say
 *     which function's return address comes next, and the stale words
 *     between are left out (chainFrames).
 */

/** x86-64 THREAD_SIZE: 16 KiB, aligned to its size (arch/x86/include/asm/page_64_types.h); KASAN doubles it. */
export const THREAD_SIZE = 16 * 1024;
const KASAN_THREAD_SIZE = 2 * THREAD_SIZE;

/** The THREAD_SIZE of a kit's kernel: a debug kit's KASAN doubles the stacks. */
export function threadSizeOf(kit: Pick<Kit, 'sanitizers'>): number {
  return kit.sanitizers?.includes('kasan') ? KASAN_THREAD_SIZE : THREAD_SIZE;
}
/** Where a task's kernel stack begins: the syscall entry (or, for a kernel thread, its start). */
export const STACK_BOTTOM = /^(entry_SYSCALL_64|entry_SYSCALL_compat|entry_SYSENTER_compat|entry_INT80_compat|ret_from_fork)/;
/** A syscall's path into a module is a handful of frames; stale words beyond this many are not worth a read each. */
export const MAX_SCANNED_FRAMES = 24;
/** The longest call instruction checked for: `ff 14 25 disp32` (7 bytes) plus a REX prefix. */
export const CALL_BYTES = 8;
const WORD = 8;
const E8_CALL = 0xe8;
const FF_GROUP = 0xff;
/** ModRM.reg of `ff /2`, the indirect near call. */
const FF_CALL_REG = 2;

/** What precedes a return address: a direct call (and where it went) or an indirect one. */
export type CallSite = { kind: 'direct'; target: bigint } | { kind: 'indirect' };

/** A word of the stack that points into kernel text. */
export interface StackWord {
  /** Where on the stack it was found. */
  slot: bigint;
  address: bigint;
  symbol: SymbolAt;
}

/** A kernel frame found by scanning, with the call that returns to it. */
export interface ScannedFrame extends StackWord {
  call: CallSite;
}

/** The 64-bit words of `bytes` (read from `base`) that point into the kernel's text, lowest first. */
export function textWords(base: bigint, bytes: Buffer, symbols: KernelSymbols): StackWord[] {
  const words: StackWord[] = [];
  for (let offset = 0; offset + WORD <= bytes.length; offset += WORD) {
    const address = bytes.readBigUInt64LE(offset);
    const symbol = symbols.lookup(address);
    // a return address is never a function's first byte
    if (symbol && symbol.offset > 0n) words.push({ slot: base + BigInt(offset), address, symbol });
  }
  return words;
}

/**
 * The call instruction ending right before `returnAddress`, from the
 * CALL_BYTES bytes before it: `e8 rel32` (a direct call, or a call into a
 * retpoline thunk), or `ff /2` with any ModRM form (`call *%rax`,
 * `call *0x10(%rbx)`, `call *disp32(%rip)`). Undefined when none ends there.
 */
export function callBefore(returnAddress: bigint, code: Buffer): CallSite | undefined {
  if (code.length !== CALL_BYTES) return undefined;
  const at = (back: number): number => code[CALL_BYTES - back]!;
  if (at(5) === E8_CALL) {
    const target = BigInt.asUintN(64, returnAddress + BigInt(code.readInt32LE(CALL_BYTES - 4)));
    return { kind: 'direct', target };
  }
  for (let back = 2; back <= CALL_BYTES - 1; back++) {
    if (at(back) !== FF_GROUP) continue;
    const modrm = at(back - 1);
    if (((modrm >> 3) & 7) !== FF_CALL_REG) continue;
    const sib = back >= 3 ? at(back - 2) : undefined;
    if (ffLength(modrm, sib) === back) return { kind: 'indirect' };
  }
  return undefined;
}

/** Length of `ff ModRM [SIB] [disp]` from its ModRM (and SIB) byte. */
function ffLength(modrm: number, sib: number | undefined): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 2;
  const sibBytes = rm === 4 ? 1 : 0;
  if (mod === 0) {
    if (rm === 5) return 6; // disp32(%rip)
    if (rm === 4 && sib !== undefined && (sib & 7) === 5) return 7; // SIB without base: disp32
    return 2 + sibBytes;
  }
  return 2 + sibBytes + (mod === 1 ? 1 : 4);
}

/** A function's name without the 6.x call-padding prefix a patched call may land in. */
const functionOf = (name: string): string => name.replace(/^__pfx_/, '');

/**
 * The frames to show above `last` (the function of the outermost frame
 * gdb unwound), innermost first, from the call-preceded words of the
 * stack. The list ends at the stack's bottom (the syscall entry), whose
 * frame is live; from there down, each direct call names the function
 * whose return address comes next: its first one above the unwound frames
 * is taken, and the words between are the calling frame's stale data (a
 * syscall's randomized stack offset leaves earlier syscalls' return
 * addresses there). The walk stops at an indirect call, or one into a
 * function not found (a tail call: do_syscall_64 calls x64_sys_call, which
 * jumps to the syscall); below that point every word stays, unproven.
 * `complete` says whether the bottom was reached.
 */
export function chainFrames(last: string | undefined, found: ScannedFrame[], symbols: KernelSymbols): { frames: ScannedFrame[]; complete: boolean } {
  const bottom = found.findIndex((frame) => STACK_BOTTOM.test(frame.symbol.name));
  if (bottom < 0) return { frames: found, complete: false };
  const unwound = last && functionOf(last);
  const chain: ScannedFrame[] = [];
  let current = bottom;
  for (;;) {
    const frame = found[current]!;
    chain.unshift(frame);
    if (frame.call.kind !== 'direct') break;
    const callee = symbols.lookup(frame.call.target);
    const fn = callee && functionOf(callee.name);
    // a call straight into the unwound frame: nothing between is live
    if (fn === unwound) return { frames: chain, complete: true };
    const next = found.findIndex((below, i) => i < current && functionOf(below.symbol.name) === fn);
    if (!fn || next < 0) break;
    current = next;
  }
  return { frames: [...found.slice(0, current), ...chain], complete: true };
}

/** Reads guest memory as the stopped CPU sees it: undefined where it cannot be read. */
export type ReadMemory = (address: bigint, length: number) => Promise<Buffer | undefined>;

/**
 * Scans the task's kernel stack from `sp` (the outermost unwound frame's
 * stack pointer) to the top of its THREAD_SIZE-aligned stack, checks each
 * text word for a call before it, and chains what it found.
 */
export async function scanStack(
  read: ReadMemory,
  sp: bigint,
  last: string | undefined,
  symbols: KernelSymbols,
  threadSize = THREAD_SIZE,
): Promise<{ frames: ScannedFrame[]; complete: boolean }> {
  const top = (sp | BigInt(threadSize - 1)) + 1n;
  const stack = await read(sp, Number(top - sp));
  if (!stack) return { frames: [], complete: false };
  const found: ScannedFrame[] = [];
  for (const word of textWords(sp, stack, symbols)) {
    const code = await read(word.address - BigInt(CALL_BYTES), CALL_BYTES);
    const call = code && callBefore(word.address, code);
    if (call) found.push({ ...word, call });
    if (found.length >= MAX_SCANNED_FRAMES || (call && STACK_BOTTOM.test(word.symbol.name))) break;
  }
  return chainFrames(last, found, symbols);
}
