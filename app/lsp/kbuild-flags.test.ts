import { describe, expect, it } from 'vitest';
import { parseCmdFile } from './kbuild-flags.js';

describe('the compiler command from a kbuild .cmd file', () => {
  it('takes the compiler argv of Linux 6.1 (cmd_) and 6.12 (savedcmd_), without source, output, dep file and objtool', () => {
    for (const prefix of ['cmd_', 'savedcmd_']) {
      const text = `${prefix}/w/kshram.o := gcc-12 -Wp,-MMD,/w/.kshram.o.d -nostdinc -I./include -DKBUILD_MODNAME='"kshram"' -c -o /w/kshram.o /w/kshram.c   ; ./tools/objtool/objtool --orc --module /w/kshram.o\n\nsource_/w/kshram.o := /w/kshram.c\n`;
      expect(parseCmdFile(text, '/w/kshram.c')).toEqual(['gcc-12', '-nostdinc', '-I./include', '-DKBUILD_MODNAME="kshram"', '-c']);
    }
  });

  it('refuses a file without a command line', () => {
    expect(() => parseCmdFile('deps_x := y\n', '/w/kshram.c')).toThrow(/without a command line/);
  });
});
