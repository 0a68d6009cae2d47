import { describe, expect, it } from 'vitest';
import { judgeMessageKept, judgeRun, MESSAGE_GONE, parseCheckMsg } from './judge.js';

const run = (status: number | null, output: string, timedOut = false) => ({ status, output, timedOut, elapsedMs: 10 });
const pass = (name: string, output: string): boolean => judgeRun(name, run(0, output), 1000).pass;

describe('check program verdicts', () => {
  it('passes our checks on their success output', () => {
    expect(pass('check_resize', 'kshram0: size 1052672 ok\nPASSED\n')).toBe(true);
    expect(pass('check_msg', 'check_msg: /dev/kshram0 size 4096\nread: \nwrote: abc\nPASSED\n')).toBe(true);
  });

  it('fails a lab check that exits 0 without its success output, quoting what it said', () => {
    const verdict = judgeRun('check_resize', run(0, 'size 4096 incorrect!\n'), 1000);
    expect(verdict.pass).toBe(false);
    expect(verdict.reason).toMatch(/^check_resize exited 0 but did not print its success output \(.*\): size 4096 incorrect!$/);
    expect(pass('check_fork', 'check_fork: 100 rounds over 4096 bytes ok\nFAILED: verifier got 3 of 100 rounds\nPASSED\n')).toBe(false);
  });

  it('passes the course\'s dialect of the three checks, and only on its success output', () => {
    const sizes = Array.from({ length: 8 }, (_, i) => `/dev/kshram${i}: size ${4096 * (i + 1)} correct.`).join('\n');
    expect(pass('check_resize', `${sizes}\n`)).toBe(true);
    expect(pass('check_resize', `${sizes.split('\n').slice(0, 7).join('\n')}\n`)).toBe(false);
    expect(pass('check_resize', `${sizes}\n/dev/kshram3/mmap: Invalid argument\n`)).toBe(false);
    expect(pass('check_resize', `${sizes}\n/dev/kshram3/set_size: Invalid argument\n`)).toBe(false);
    expect(pass('check_fork', 'round 1: PASSED\nround 2: PASSED\ndone.\n')).toBe(true);
    expect(pass('check_fork', 'round 1: PASSED\nround 2: mismatch at 12\ndone.\n')).toBe(false);
    expect(pass('check_fork', 'round 1: PASSED\n')).toBe(false);
    expect(pass('check_msg', 'Curr Message: \nNext Message: hello 42\n')).toBe(true);
    expect(pass('check_msg', 'Curr Message: \n')).toBe(false);
  });

  it('judges any other program by its exit status: words in its output are never the verdict', () => {
    for (const words of ['0 failed', 'PASSED, 0 errors', 'no mismatch found', 'Killed 0 zombies', 'Aborted: nothing', 'FAILURES: none', 'errors: 0']) {
      expect(judgeRun('custom_check', run(0, `custom_check: ${words}\n`), 1000)).toEqual({ pass: true, reason: 'custom_check passed' });
    }
    expect(judgeRun('custom_check', run(1, 'all good\n'), 1000)).toEqual({ pass: false, reason: 'custom_check exited with status 1: all good' });
  });

  it('judges TAP as TAP, whatever the program is called', () => {
    const held = 'ok - open /dev/kshram0\nok - mmap 4096 bytes\nok - message persists\n0 failed\n';
    expect(judgeRun('check_msg', run(0, held), 1000)).toEqual({ pass: true, reason: 'check_msg passed (3 TAP tests)' });
    expect(pass('check_resize', held)).toBe(true);
    expect(pass('check_fork', '1..2\nok 1 - fork\nok 2 - verify # SKIP no second CPU\n')).toBe(true);
    expect(pass('anything', '1..2\nnot ok 1 - resize # TODO not yet\nok 2 - map\n')).toBe(true);
    const failed = judgeRun('check_resize', run(0, 'ok 1 - open\nnot ok 2 - size 4096 correct\n0 errors\n'), 1000);
    expect(failed).toEqual({ pass: false, reason: 'check_resize exited 0 but its TAP output failed: 1 of 2 tests failed, first: not ok 2 - size 4096 correct' });
    expect(judgeRun('t', run(0, '1..3\nok 1 - a\nok 2 - b\n'), 1000).reason).toBe('t exited 0 but its TAP output failed: planned 3 tests but ran 2');
    expect(judgeRun('t', run(0, '1..3\nok 1 - a\nBail out! no device\n'), 1000).reason).toBe('t exited 0 but its TAP output failed: Bail out! no device');
    expect(judgeRun('t', run(1, 'ok 1 - a\n'), 1000).pass).toBe(false);
  });

  it('names the signal that killed a program', () => {
    expect(judgeRun('check_fork', run(139, ''), 1000).reason).toBe('check_fork was killed by signal 11 (SIGSEGV)');
    expect(judgeRun('check_msg', run(135, 'check_msg: /dev/kshram0 size 4096\n'), 1000).reason).toBe('check_msg was killed by signal 7 (SIGBUS); it last printed: check_msg: /dev/kshram0 size 4096');
  });

  it('reports a timeout and a non-zero exit', () => {
    expect(judgeRun('check_msg', run(null, '', true), 30000).reason).toBe('check_msg did not finish within 30 s');
    expect(judgeRun('check_msg', run(1, 'check_msg: /dev/kshram0\nFAILED: open /dev/kshram0: No such file or directory\n'), 1000).reason).toBe('check_msg exited with status 1: FAILED: open /dev/kshram0: No such file or directory');
    expect(judgeRun('check_msg', run(2, 'usage: check_msg\n'), 1000).reason).toBe('check_msg exited with status 2: usage: check_msg');
    expect(judgeRun('check_msg', run(1, ''), 1000).reason).toBe('check_msg exited with status 1');
  });
});

describe('check_msg output', () => {
  it('reads the message found and the one left, in ours and the course\'s words', () => {
    expect(parseCheckMsg('check_msg: /dev/kshram0 size 4096\nread: \nwrote: abc\nPASSED\n')).toEqual({ read: '', wrote: 'abc' });
    expect(parseCheckMsg('Curr Message: abc\r\nNext Message: xyz\r\n')).toEqual({ read: 'abc', wrote: 'xyz' });
  });

  it('knows nothing of a foreign format', () => {
    expect(parseCheckMsg('message: hi\n')).toEqual({ read: undefined, wrote: undefined });
  });
});

describe('item 5: the second check_msg reads what the first wrote', () => {
  it('the course\'s dialect prints "Curr Message:" only when a message is there: its absence is a lost message', () => {
    const first = 'Next Message: Mab12cd\n';
    expect(judgeMessageKept(first, 'Curr Message: Mab12cd\nNext Message: Mzz99\n')).toEqual({ pass: true, checked: true });
    expect(judgeMessageKept(first, 'Next Message: Mzz99\n')).toEqual({ pass: false, checked: true, reason: MESSAGE_GONE });
    expect(judgeMessageKept(first, 'Curr Message: Mother\nNext Message: Mzz99\n')).toMatchObject({ pass: false, reason: 'the message did not persist: the first run wrote "Mab12cd", the second read "Mother"' });
  });

  it('ours: an empty read is a lost message, another one did not persist', () => {
    const first = 'read: \nwrote: KEEPME\nPASSED\n';
    expect(judgeMessageKept(first, 'read: KEEPME\nwrote: NEXT\nPASSED\n')).toEqual({ pass: true, checked: true });
    expect(judgeMessageKept(first, 'read: \nwrote: NEXT\nPASSED\n')).toEqual({ pass: false, checked: true, reason: MESSAGE_GONE });
  });

  it('claims nothing when the program prints no message (a TAP-style check)', () => {
    expect(judgeMessageKept('ok 1 - mmap\n', 'ok 1 - mmap\n')).toEqual({ pass: true, checked: false });
  });
});
