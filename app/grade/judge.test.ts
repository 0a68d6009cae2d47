import { describe, expect, it } from 'vitest';
import { judgeRun, parseCheckMsg } from './judge.js';

const run = (status: number | null, output: string, timedOut = false) => ({ status, output, timedOut, elapsedMs: 10 });

describe('check program verdicts', () => {
  it('passes a clean exit with clean output', () => {
    expect(judgeRun('check_resize', run(0, 'kshram0: size 1052672 ok\nPASSED\n'), 1000).pass).toBe(true);
  });

  it('fails a program that prints a failure but exits 0', () => {
    const verdict = judgeRun('check_resize', run(0, 'size 4096 incorrect!\n'), 1000);
    expect(verdict).toEqual({ pass: false, reason: 'check_resize exited 0 but reported: size 4096 incorrect!' });
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
  it('reads the message found and the one left', () => {
    expect(parseCheckMsg('check_msg: /dev/kshram0 size 4096\nread: \nwrote: abc\nPASSED\n')).toEqual({ read: '', wrote: 'abc' });
  });

  it('knows nothing of a foreign format', () => {
    expect(parseCheckMsg('message: hi\n')).toEqual({ read: undefined, wrote: undefined });
  });
});
