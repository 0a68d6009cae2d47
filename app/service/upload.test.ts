import { describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { parseElfHeader, vermagicRelease } from './module-check.js';
import { checkSize, classifyByContent, classifyByName } from './upload.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as LabError).code;
  }
  return undefined;
};

describe('uploads', () => {
  it('takes a file name apart safely and refuses what the service does not grade', () => {
    expect(classifyByName('kshram.ko')).toEqual({ fileName: 'kshram.ko', kind: 'ko' });
    expect(classifyByName('C:\\Users\\me\\lab 05 (final).tar.gz')).toEqual({ fileName: 'lab_05__final_.tar.gz', kind: 'tar' });
    expect(classifyByName('../../etc/kshram.c')).toEqual({ fileName: 'kshram.c', kind: 'c' });
    expect(classifyByName('..kshram.zip').fileName).toBe('kshram.zip');
    expect(code(() => classifyByName('kshram.o'))).toBe('SUBMISSION_INVALID');
    expect(code(() => classifyByName(''))).toBe('SUBMISSION_INVALID');
  });

  it('tells an nc upload by its first bytes', () => {
    expect(classifyByContent(Buffer.from('\x7fELF\x02\x01', 'latin1')).kind).toBe('ko');
    expect(classifyByContent(Buffer.from([0x1f, 0x8b, 8])).fileName).toBe('kshram.tar.gz');
    expect(classifyByContent(Buffer.from('#include <linux/module.h>\n')).kind).toBe('c');
    expect(code(() => classifyByContent(Buffer.from([1, 0, 2, 3])))).toBe('MODULE_INVALID');
  });

  it('refuses empty and oversized uploads by size', () => {
    expect(code(() => checkSize('x', 0))).toBe('SUBMISSION_INVALID');
    expect(code(() => checkSize('x', 9 * 1024 * 1024))).toBe('TOO_LARGE');
    expect(code(() => checkSize('x', 1))).toBeUndefined();
  });

  it("reads readelf's header", () => {
    const output = [
      'ELF Header:',
      '  Class:                             ELF64',
      '  Type:                              REL (Relocatable file)',
      '  Machine:                           Advanced Micro Devices X86-64',
      "String dump of section '.modinfo':",
      '  [     0]  license=GPL',
      '  [    66]  name=kshram',
      '  [    71]  vermagic=6.1.0-57-amd64 SMP preempt mod_unload modversions ',
    ].join('\n');
    expect(parseElfHeader(output)).toEqual({ elfClass: 'ELF64', type: 'REL (Relocatable file)', machine: 'Advanced Micro Devices X86-64' });
    expect(vermagicRelease('6.2.6 SMP preempt mod_unload')).toBe('6.2.6');
  });
});
