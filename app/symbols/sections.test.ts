import { describe, expect, it } from 'vitest';
import { addSymbolFileCommand, isWantedSection, parseSections, removeSymbolFileCommand, sameSections } from './sections.js';

/** What the guest printed for the reference module (Linux 6.1, nokaslr). */
const SYSFS = [
  '/sys/module/kshram/sections/.bss:0xffffffffc02033c0',
  '/sys/module/kshram/sections/.exit.text:0xffffffffc0201357',
  '/sys/module/kshram/sections/.gnu.linkonce.this_module:0xffffffffc0203040',
  '/sys/module/kshram/sections/.init.text:0xffffffffc0206000',
  '/sys/module/kshram/sections/.note.gnu.build-id:0xffffffffc0202000',
  '/sys/module/kshram/sections/.orc_unwind:0xffffffffc0202314',
  '/sys/module/kshram/sections/.rodata.str1.1:0xffffffffc02020c4',
  '/sys/module/kshram/sections/.strtab:0xffffffffc02088d0',
  '/sys/module/kshram/sections/.symtab:0xffffffffc0208000',
  '/sys/module/kshram/sections/.text:0xffffffffc0201000',
  '/sys/module/kshram/sections/.text.unlikely:0xffffffffc02012f8',
  '/sys/module/kshram/sections/__mcount_loc:0xffffffffc0202060',
].join('\n');

describe('module sections to gdb symbols', () => {
  it('keeps code and data, and leaves out the freed init sections and the tables', () => {
    const sections = parseSections(SYSFS);
    expect([...sections.keys()].sort()).toEqual(['.bss', '.exit.text', '.gnu.linkonce.this_module', '.rodata.str1.1', '.text', '.text.unlikely']);
    expect(sections.get('.text')).toBe(0xffffffffc0201000n);
  });

  it('writes add-symbol-file and remove-symbol-file at those addresses', () => {
    const sections = parseSections(SYSFS);
    const add = addSymbolFileCommand('/tmp/run/kshram/kshram.ko', sections);
    expect(add).toMatch(/^add-symbol-file \/tmp\/run\/kshram\/kshram\.ko /);
    expect(add).toContain('-s .text 0xffffffffc0201000');
    expect(add).toContain('-s .bss 0xffffffffc02033c0');
    expect(add).not.toContain('.init.text');
    expect(removeSymbolFileCommand(sections)).toBe('remove-symbol-file -a 0xffffffffc0201000');
  });

  it('tells a reload at new addresses from the same module', () => {
    const a = parseSections(SYSFS);
    expect(sameSections(a, parseSections(SYSFS))).toBe(true);
    expect(sameSections(a, parseSections(SYSFS.replace('.text:0xffffffffc0201000', '.text:0xffffffffc0211000')))).toBe(false);
    expect(sameSections(a, undefined)).toBe(false);
    expect(sameSections(undefined, undefined)).toBe(true);
    expect(parseSections('grep: /sys/module/kshram/sections: No such file or directory').size).toBe(0);
  });

  it('maps .init.* only for the init hook, never from a live module\'s sysfs', () => {
    expect(parseSections(`/sys/module/kshram/initstate:live\n${SYSFS}`).has('.init.text')).toBe(false);
    expect(isWantedSection('.init.text', true)).toBe(true);
    expect(isWantedSection('.init.data', true)).toBe(true);
    expect(isWantedSection('.init.text')).toBe(false);
    expect(isWantedSection('.symtab', true)).toBe(false);
  });
});
