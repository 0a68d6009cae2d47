import { describe, expect, it } from 'vitest';
import { compiledLines, evaluateCondition, kernelVersionCode } from './cpp-if.js';

const V6_1 = kernelVersionCode(6, 1, 192);
const V6_12 = kernelVersionCode(6, 12, 117);

describe('evaluateCondition', () => {
  it('computes LINUX_VERSION_CODE comparisons as <linux/version.h> does', () => {
    expect(evaluateCondition('LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)', V6_1)).toBe(0);
    expect(evaluateCondition('LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)', V6_12)).toBe(1);
    expect(evaluateCondition('LINUX_VERSION_CODE < KERNEL_VERSION(6,2,0) && 1', V6_1)).toBe(1);
    // the sublevel saturates at 255 in both
    expect(evaluateCondition('KERNEL_VERSION(6, 1, 300) == KERNEL_VERSION(6, 1, 255)', V6_1)).toBe(1);
  });

  it('leaves what the version does not decide unknown, unless && or || settle it', () => {
    expect(evaluateCondition('IS_ENABLED(CONFIG_MMU)', V6_1)).toBeUndefined();
    expect(evaluateCondition('defined(CONFIG_FOO) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 0, 0)', V6_1)).toBe(0);
    expect(evaluateCondition('MY_FLAG || LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)', V6_1)).toBe(1);
    expect(evaluateCondition('MY_FLAG || 0', V6_1)).toBeUndefined();
  });

  it('asks about macros the kernel may define', () => {
    const isMacro = (name: string): boolean | undefined => (name === 'class_create' ? false : undefined);
    expect(evaluateCondition('defined(class_create)', V6_12, isMacro)).toBe(0);
    expect(evaluateCondition('!defined class_create', V6_12, isMacro)).toBe(1);
    expect(evaluateCondition('defined(other)', V6_12, isMacro)).toBeUndefined();
  });

  it('gives up on what it cannot parse instead of guessing', () => {
    expect(evaluateCondition('LINUX_VERSION_CODE >=', V6_1)).toBeUndefined();
    expect(evaluateCondition('"string"', V6_1)).toBeUndefined();
  });
});

describe('compiledLines', () => {
  const source = [
    '#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)', // 1
    'new_api();', // 2
    '#elif defined(CONFIG_X)', // 3
    'config_x();', // 4
    '#else', // 5
    'old_api();', // 6
    '#endif', // 7
    '#ifdef class_create', // 8
    'macro_form();', // 9
    '#endif', // 10
    'always();', // 11
  ].join('\n');
  const isMacro = (v: number) => (name: string) => (name === 'class_create' ? v < kernelVersionCode(6, 4, 0) : undefined);

  it('follows #if/#elif/#else by the kernel version', () => {
    const on612 = compiledLines(source, V6_12, isMacro(V6_12));
    expect([on612[1], on612[3], on612[5], on612[8], on612[10]]).toEqual(['yes', 'no', 'no', 'no', 'yes']);
    const on61 = compiledLines(source, V6_1, isMacro(V6_1));
    // CONFIG_X is unknown: its branch and the #else after it may both be compiled
    expect([on61[1], on61[3], on61[5], on61[8], on61[10]]).toEqual(['no', 'maybe', 'maybe', 'yes', 'yes']);
  });

  it('continues directives over backslash-newlines', () => {
    const lines = compiledLines('#if LINUX_VERSION_CODE < \\\n    KERNEL_VERSION(6, 3, 0)\nold();\n#endif', V6_12);
    expect(lines[2]).toBe('no');
  });
});
