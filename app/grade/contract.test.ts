import { describe, expect, it } from 'vitest';
import { tapNotes } from './contract.js';

describe('notes from the contract checks (kshram_tap)', () => {
  it('turns each failed test into a note, without the errno noise', () => {
    const output = 'TAP version 13\nok 1 - GETSLOTS returns 8\nnot ok 3 - SETSIZE 0 fails with EINVAL (errno 0: Success)\nnot ok 4 - SETSIZE 64 MiB fails with EINVAL (errno 12: Cannot allocate memory)\n1..4\n';
    expect(tapNotes(output, 1)).toEqual([
      "beyond the course's checks (no points lost): not ok: SETSIZE 0 fails with EINVAL",
      "beyond the course's checks (no points lost): not ok: SETSIZE 64 MiB fails with EINVAL",
    ]);
    expect(tapNotes('TAP version 13\nok 1 - a\n1..1\n', 0)).toEqual([]);
  });

  it('says why the stream stopped early', () => {
    expect(tapNotes('TAP version 13\nBail out! open /dev/kshram2: No such file or directory\n', 1)).toEqual(["beyond the course's checks (no points lost): kshram_tap stopped: open /dev/kshram2: No such file or directory"]);
    expect(tapNotes('TAP version 13\nok 1 - GETSLOTS returns 8\n', 139)).toEqual(["beyond the course's checks (no points lost): kshram_tap ended early (killed by signal 11) after: ok 1 - GETSLOTS returns 8"]);
  });
});
