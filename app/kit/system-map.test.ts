import { describe, expect, it } from 'vitest';
import { formatSymbolAt, KernelSymbols } from './system-map.js';

// lines as Debian 6.1's /proc/kallsyms (nokaslr) and a kernel build's System.map print them
const MAP = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000000 T startup_64',
  'ffffffff81003320 T x64_sys_call',
  'ffffffff81149360 t do_init_module',
  'ffffffff81381d20 T __x64_sys_ioctl',
  'ffffffff81381df0 T __ia32_sys_ioctl',
  'ffffffff81a43dc0 T do_syscall_64',
  'ffffffff81c000b8 T entry_SYSCALL_64_after_hwframe',
  'ffffffff81e01580 T __indirect_thunk_start',
  'ffffffff81e01580 T __x86_indirect_thunk_rax',
  'ffffffff81e01d32 T _etext',
  'ffffffff82000000 D some_data',
  'ffffffffc0201220 t kshram_ioctl\t[kshram]',
].join('\n');

describe('a kernel symbol map', () => {
  const symbols = KernelSymbols.parse(MAP)!;

  it('names a code address as symbol+offset, the symbol at or below it', () => {
    expect(symbols.lookup(0xffffffff81381db0n)).toEqual({ name: '__x64_sys_ioctl', offset: 0x90n });
    expect(formatSymbolAt(symbols.lookup(0xffffffff81a43e1dn)!)).toBe('do_syscall_64+0x5d');
    expect(formatSymbolAt(symbols.lookup(0xffffffff81c00126n)!)).toBe('entry_SYSCALL_64_after_hwframe+0x6e');
    // exactly at a symbol, and the last byte before the next one
    expect(symbols.lookup(0xffffffff81a43dc0n)).toEqual({ name: 'do_syscall_64', offset: 0n });
    expect(symbols.lookup(0xffffffff81a43dbfn)).toEqual({ name: '__ia32_sys_ioctl', offset: 0x6c1fcfn });
  });

  it('names nothing outside the kernel text: modules, data, user space', () => {
    expect(symbols.lookup(0xffffffffc0201225n)).toBeUndefined();
    expect(symbols.lookup(0xffffffff82000010n)).toBeUndefined();
    expect(symbols.lookup(0xffffffff81e01d32n)).toBeUndefined();
    expect(symbols.lookup(0x7fff0f5a2d48n)).toBeUndefined();
    expect(symbols.isText(0xffffffff81000000n)).toBe(true);
  });

  it('shows one name for aliases, the function rather than a section marker', () => {
    expect(symbols.lookup(0xffffffff81e01581n)!.name).toBe('__x86_indirect_thunk_rax');
    expect(symbols.lookup(0xffffffff81000005n)!.name).toBe('startup_64');
  });

  it('reads a local symbol\'s address, and keeps only code', () => {
    expect(symbols.address('do_init_module')).toBe(0xffffffff81149360n);
    expect(symbols.address('some_data')).toBeUndefined();
    expect(symbols.size).toBe(10);
  });

  it('takes Debian\'s placeholder System.map, and an empty one, for no map', () => {
    expect(KernelSymbols.parse('ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n')).toBeUndefined();
    expect(KernelSymbols.parse('')).toBeUndefined();
  });
});
