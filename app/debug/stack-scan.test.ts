import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSymbolAt, KernelSymbols } from '../kit/system-map.js';
import { callBefore, CALL_BYTES, chainFrames, scanStack, textWords, threadSizeOf, type ReadMemory, type ScannedFrame } from './stack-scan.js';

interface Fixture {
  frame1: string;
  systemMap: string[];
  sp: string;
  stack: string;
  codeBefore: Record<string, string>;
}

/** A stop in kshram_ioctl under check_msg, as read from the guest (fixtures/*.json say how). */
function stop(kit: string) {
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `stack-${kit}.json`), 'utf8')) as Fixture;
  const symbols = KernelSymbols.parse(fixture.systemMap.join('\n'))!;
  const sp = BigInt(fixture.sp);
  const stack = Buffer.from(fixture.stack, 'hex');
  /** The guest's memory as the fixture saw it: the stack from sp, and the bytes before each text word on it. */
  const read: ReadMemory = async (address, length) => {
    if (address === sp) return length === stack.length ? stack : undefined;
    const code = fixture.codeBefore[`0x${(address + BigInt(CALL_BYTES)).toString(16)}`];
    return code && length === CALL_BYTES ? Buffer.from(code, 'hex') : undefined;
  };
  return { symbols, sp, stack, read, frame1: symbols.lookup(BigInt(fixture.frame1))! };
}

const names = (frames: ScannedFrame[]): string[] => frames.map((f) => formatSymbolAt(f.symbol));

describe('scanning a kernel stack for the frames gdb cannot unwind', () => {
  it('finds check_msg\'s syscall path above __x64_sys_ioctl on Debian 6.1, and leaves the stale words out', async () => {
    const { symbols, sp, stack, read, frame1 } = stop('debian-6.1');
    expect(formatSymbolAt(frame1)).toBe('__x64_sys_ioctl+0x90');
    // the stack holds five words that point into kernel text after a call
    const words = textWords(sp, stack, symbols);
    expect(names(words.map((w) => ({ ...w, call: { kind: 'indirect' } })))).toEqual([
      'do_syscall_64+0x5d',
      'handle_mm_fault+0xdb',
      'do_user_addr_fault+0x1b0',
      'exit_to_user_mode_prepare+0x44',
      'entry_SYSCALL_64_after_hwframe+0x6e',
    ]);
    // entry_SYSCALL_64_after_hwframe calls do_syscall_64 directly: the three words between are stale
    const scanned = await scanStack(read, sp, frame1.name, symbols);
    expect(names(scanned.frames)).toEqual(['do_syscall_64+0x5d', 'entry_SYSCALL_64_after_hwframe+0x6e']);
    expect(scanned.complete).toBe(true);
    expect(scanned.frames.map((f) => f.slot)).toEqual([sp + 0x28n, sp + 0x198n]);
  });

  it('takes the first do_syscall_64 above the unwound frames on Debian 6.12, whose random stack offset leaves an older syscall\'s exit path above it', async () => {
    const { symbols, sp, stack, read, frame1 } = stop('debian-6.12');
    expect(formatSymbolAt(frame1)).toBe('__x64_sys_ioctl+0x97');
    const words = names(textWords(sp, stack, symbols).map((w) => ({ ...w, call: { kind: 'indirect' } })));
    expect(words).toHaveLength(10);
    expect(words.filter((w) => w.startsWith('do_syscall_64+'))).toEqual(['do_syscall_64+0x87', 'do_syscall_64+0x93']);
    const scanned = await scanStack(read, sp, frame1.name, symbols);
    expect(names(scanned.frames)).toEqual(['do_syscall_64+0x87', 'entry_SYSCALL_64_after_hwframe+0x76']);
    expect(scanned.complete).toBe(true);
  });

  it('keeps every call-preceded word when no direct call links them, and says when the bottom was not reached', () => {
    const { symbols, sp, stack } = stop('debian-6.1');
    const unlinked = textWords(sp, stack, symbols).map((w) => ({ ...w, call: { kind: 'indirect' as const } }));
    const all = chainFrames('__x64_sys_ioctl', unlinked, symbols);
    expect(all.frames).toHaveLength(5);
    expect(all.complete).toBe(true);
    const short = chainFrames('__x64_sys_ioctl', unlinked.slice(0, 2), symbols);
    expect(names(short.frames)).toEqual(['do_syscall_64+0x5d', 'handle_mm_fault+0xdb']);
    expect(short.complete).toBe(false);
  });

  it('drops every word below a call straight into the unwound frame', () => {
    const { symbols, sp, stack } = stop('debian-6.1');
    const words = textWords(sp, stack, symbols).map((w) => ({ ...w, call: { kind: 'indirect' as const } }));
    const entry = { ...words.at(-1)!, call: { kind: 'direct' as const, target: symbols.address('do_syscall_64')! } };
    expect(names(chainFrames('do_syscall_64', [...words.slice(0, -1), entry], symbols).frames)).toEqual(['entry_SYSCALL_64_after_hwframe+0x6e']);
  });

  it('reads no further than the top of the 16 KiB stack, and finds nothing where memory cannot be read', async () => {
    const { symbols, sp } = stop('debian-6.1');
    await expect(scanStack(async () => undefined, sp, '__x64_sys_ioctl', symbols)).resolves.toEqual({ frames: [], complete: false });
    let asked: [bigint, number] | undefined;
    await scanStack(async (address, length) => ((asked ??= [address, length]), undefined), 0xffffc900004a4010n, undefined, symbols);
    expect(asked).toEqual([0xffffc900004a4010n, 0x4000 - 0x10]);
    await scanStack(async (address, length) => ((asked = [address, length]), undefined), 0xffffc900004a4010n, undefined, symbols, threadSizeOf({ sanitizers: ['kasan'] }));
    expect(asked).toEqual([0xffffc900004a4010n, 0x8000 - 0x4010]);
  });
});

describe('the call instruction before a return address', () => {
  const ra = 0xffffffff81c00126n;
  const bytes = (hex: string): Buffer => Buffer.from(hex.padStart(2 * CALL_BYTES, '90'), 'hex');

  it('reads a direct call and where it goes', () => {
    // entry_SYSCALL_64_after_hwframe: call do_syscall_64
    expect(callBefore(ra, bytes('e89a3ce4ff'))).toEqual({ kind: 'direct', target: 0xffffffff81a43dc0n });
  });

  it('reads the indirect calls gcc emits for the kernel', () => {
    expect(callBefore(ra, bytes('ffd0'))).toEqual({ kind: 'indirect' }); // call *%rax
    expect(callBefore(ra, bytes('41ffd3'))).toEqual({ kind: 'indirect' }); // call *%r11
    expect(callBefore(ra, bytes('ff5310'))).toEqual({ kind: 'indirect' }); // call *0x10(%rbx)
    expect(callBefore(ra, bytes('ff542408'))).toEqual({ kind: 'indirect' }); // call *0x8(%rsp)
    expect(callBefore(ra, bytes('ff1501020304'))).toEqual({ kind: 'indirect' }); // call *disp32(%rip)
    expect(callBefore(ra, bytes('ff142501020304'))).toEqual({ kind: 'indirect' }); // call *disp32
    expect(callBefore(ra, bytes('ff9301020304'))).toEqual({ kind: 'indirect' }); // call *disp32(%rbx)
  });

  it('finds no call after other instructions', () => {
    expect(callBefore(ra, bytes('4889ef'))).toBeUndefined(); // mov %rbp,%rdi
    expect(callBefore(ra, bytes('ffe0'))).toBeUndefined(); // jmp *%rax
    expect(callBefore(ra, bytes('ff5010ff'))).toBeUndefined(); // a call that ends a byte early
    expect(callBefore(ra, Buffer.alloc(4))).toBeUndefined();
  });
});
