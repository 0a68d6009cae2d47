import { describe, expect, it } from 'vitest';
import { EXIT_BUSY, EXIT_CANCELLED, EXIT_ENVIRONMENT, EXIT_USAGE, exitStatusOf } from './errors.js';

describe("the CLI's exit statuses", () => {
  it('says 3 when the host lacks something, 2 when the command cannot run as typed', () => {
    for (const code of ['KIT_MISSING', 'QEMU_MISSING', 'TOOLCHAIN_MISSING', 'GDB_MISSING', 'UI_NOT_BUILT'] as const) expect(exitStatusOf(code), code).toBe(EXIT_ENVIRONMENT);
    for (const code of ['BAD_ARGUMENT', 'PORT_IN_USE', 'SUBMISSION_INVALID', 'WORKSPACE_INVALID', 'FORMAT_FAILED', 'INTERNAL'] as const) expect(exitStatusOf(code), code).toBe(EXIT_USAGE);
  });

  it('says a cancel and a busy VM apart from failures', () => {
    expect(exitStatusOf('CANCELLED')).toBe(EXIT_CANCELLED);
    expect(exitStatusOf('BUSY')).toBe(EXIT_BUSY);
  });
});
