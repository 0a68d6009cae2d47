import { describe, expect, it } from 'vitest';
import { memoryMiB, parseMemory, parseQemuScript } from './qemu-script.js';
import { COURSE_QEMU_SH } from './testing/synthetic-dist.js';

describe('reading a course qemu.sh', () => {
  it('takes memory, CPUs, CPU model and kernel parameters from the seed-style script', () => {
    const settings = parseQemuScript(COURSE_QEMU_SH.replace('RELEASE', '6.2.6'));
    expect(settings).toEqual({
      memory: '96M',
      smp: 2,
      cpu: 'qemu64',
      // rdinit/console/panic are the guest's own: our /init, our consoles, our crash handling
      append: 'quiet nokaslr',
      ignored: [],
    });
  });

  it('understands quoting, --options, key=value forms and a machine type', () => {
    const script = [
      '#!/bin/bash',
      '# boot the lab VM',
      'exec /usr/bin/qemu-system-x86_64 --machine type=q35,accel=tcg -m size=1G \\',
      "  -smp cpus=4,cores=2 -cpu 'host,+x2apic' -append 'console=ttyS0,115200 init=/linuxrc loglevel=3' \\",
      '  -s -kernel "$DIR/bzImage"',
    ].join('\n');
    expect(parseQemuScript(script)).toEqual({ machine: 'q35', memory: '1G', smp: 4, cpu: 'max', append: 'loglevel=3', ignored: ['-s'] });
  });

  it('keeps our defaults for what it cannot read, and ignores commands after the invocation', () => {
    const settings = parseQemuScript('qemu-system-x86_64 -m lots -smp 0 -cpu "a b" -nographic && rm -rf / -m 1M');
    expect(settings).toEqual({ ignored: [] });
  });

  it('finds nothing in a script without a QEMU invocation', () => {
    expect(parseQemuScript('#!/bin/sh\necho hello\n')).toEqual({ ignored: [] });
  });

  it('normalises memory sizes the way QEMU reads them (MiB by default)', () => {
    expect(['96', '96M', '96m', '2G', '128MiB', 'x', '0'].map(parseMemory)).toEqual(['96M', '96M', '96M', '2G', '128M', undefined, undefined]);
    expect(memoryMiB('2G')).toBe(2048);
  });
});
