import { describe, expect, it } from 'vitest';
import { parseDiagnostics } from './diagnostics.js';

describe('compiler diagnostics', () => {
  const dir = '/tmp/kshram-grade-x/kshram';

  it('locates gcc errors and warnings in the user file', () => {
    const log = [
      `${dir}/kshram.c: In function 'kshram_ioctl':`,
      `${dir}/kshram.c:141:36: error: expected ';' before '}' token`,
      `${dir}/kshram.c:90:7: warning: unused variable 'x' [-Wunused-variable]`,
      `/usr/src/linux-headers-6.1.0-56-common/include/linux/device/class.h:58:17: note: expected 'char * (*)(struct device *, umode_t *)'`,
      `make[2]: *** [scripts/Makefile.build:250: ${dir}/kshram.o] Error 1`,
    ].join('\n');
    expect(parseDiagnostics(log, dir, 'kshram.c')).toEqual([
      { file: 'kshram.c', line: 141, column: 36, severity: 'error', message: "expected ';' before '}' token" },
      { file: 'kshram.c', line: 90, column: 7, severity: 'warning', message: "unused variable 'x' [-Wunused-variable]" },
      { file: '/usr/src/linux-headers-6.1.0-56-common/include/linux/device/class.h', line: 58, column: 17, severity: 'note', message: "expected 'char * (*)(struct device *, umode_t *)'" },
    ]);
  });

  it('turns modpost errors into errors of the module', () => {
    const log = `ERROR: modpost: "kallsyms_lookup_name" [${dir}/kshram.ko] undefined!`;
    expect(parseDiagnostics(log, dir, 'kshram.c')).toEqual([{ file: 'kshram.c', line: 1, column: 1, severity: 'error', message: 'modpost: "kallsyms_lookup_name" [kshram.ko] undefined!' }]);
  });
});
