import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VARIANTS, variantSource } from '../../test/corpus/variants.js';
import { md5Of, submitOverNc } from './testing/nc-client.js';
import { buildKo, eventually, startTestService, type TestService } from './testing/service.js';

/**
 * The course's submit protocol against `kshram-lab serve`, end to end:
 * our own client written from the protocol's description (the course's
 * pwntools script cannot be installed here), a real private Redis, a real
 * worker process and QEMU.
 */
const GRADE_MS = 240_000;
const POW_BITS = 16;
const oops = VARIANTS.find((variant) => variant.name === 'oops-in-init')!;

describe('the nc front speaks the course protocol', () => {
  let service: TestService;
  let reference: Buffer;
  let crashing: Buffer;
  let crashLine: number;

  beforeAll(async () => {
    const source = await variantSource(oops);
    crashLine = source.split('\n').findIndex((line) => line.includes(oops.crashAt!.lines[0]!)) + 1;
    [reference, crashing] = await Promise.all([buildKo(), buildKo({ source })]);
    service = await startTestService({ workers: 1, powBits: POW_BITS });
  }, GRADE_MS);

  afterAll(async () => {
    await service?.close();
  });

  const port = (): number => service.running.ncPort!;
  const submissionsOf = (student: string): number => service.store().history(student).length;

  it('grades the reference .ko: md5 echoed, the run streamed with \\r\\n, 100/100 last', async () => {
    const run = await submitOverNc(port(), reference, { timeoutMs: GRADE_MS });
    const lines = run.transcript.split('\r\n');
    expect(lines[0]).toMatch(new RegExp(`^Please find a string S such that sha1\\('[0-9a-f]{16}' \\+ S\\) starts with ${POW_BITS} zero bits`));
    expect(run.md5).toBe(md5Of(reference));
    expect(run.md5Line).toBe(`Received ${reference.length} bytes, md5 ${md5Of(reference)}`);
    // every line the server sent ends in \r\n: no bare \n anywhere
    expect(run.transcript.replace(/\r\n/g, '')).not.toContain('\n');
    // the guest's console streamed before the verdict, the grader's lines among it, as plain text
    expect(run.transcript).toMatch(/\r\n── grader: item 3: Load kshram\.ko: \/dev\/kshram0\.\.7 appear ──\r\n/);
    expect(run.transcript).not.toContain('\x1b');
    for (let id = 1; id <= 8; id++) expect(run.transcript).toMatch(new RegExp(`\\[PASS\\] ${id}\\. `));
    expect(lines.filter(Boolean).at(-1)).toMatch(/^Score: 100\/100 \(Linux 6\.1\.\S+, debian-6\.1; graded in \d+\.\d s\)$/);
    expect(run.closed).toBe(true);
    const [stored] = service.store().history('nc-127.0.0.1');
    expect(stored).toMatchObject({ state: 'graded', total: 100, via: 'nc', kind: 'ko', fileName: 'kshram.ko' });
  }, GRADE_MS);

  it('streams a crashing module\'s failing item and its line, and keeps a grade whose client hung up', async () => {
    // a client that leaves once queued: its grade runs and is kept
    const gone = await submitOverNc(port(), crashing, { dropOn: /is queued\./, timeoutMs: GRADE_MS });
    expect(gone.closed).toBe(false);
    const id = /Submission ([a-z0-9]{16}) is queued\./.exec(gone.transcript)![1]!;
    // the same file again from the same address, while the first waits or runs: followed, not queued twice
    const run = await submitOverNc(port(), crashing, { timeoutMs: GRADE_MS });
    expect(run.transcript).toContain(`You sent this file already: it is submission ${id}; following it.`);
    expect(run.transcript).toMatch(new RegExp(`\\[FAIL\\] 3\\. Load kshram\\.ko: /dev/kshram0\\.\\.7 appear 0/10 - your code: kshram\\.c:${crashLine} in kshram_alloc_slots, inlined into kshram_init at kshram\\.c:\\d+ — Kernel Oops in kshram_init\\+0x`));
    expect(run.transcript).toMatch(/\[ -- \] 8\. /);
    expect(run.transcript.trimEnd().split('\r\n').at(-1)).toMatch(/^Score: 20\/100 /);
    // the console around the Oops as plain text too
    expect(run.transcript).not.toContain('\x1b');
    const stored = await eventually('the dropped client\'s grade', () => service.store().view(id)?.state === 'graded' && service.store().view(id), GRADE_MS);
    expect(stored).toMatchObject({ total: 20, firstFailure: { id: 3 } });
  }, GRADE_MS);

  it('ends a wrong answer, garbage base64 and a dropped upload politely, and stores nothing', async () => {
    const before = submissionsOf('nc-127.0.0.1');
    const wrong = await submitOverNc(port(), reference, { powAnswer: Buffer.from('not it').toString('base64'), timeoutMs: 30_000 });
    expect(wrong.transcript).toMatch(/Wrong answer: sha1\('[0-9a-f]{16}' \+ S\) does not start with 16 zero bits\. Bye\.\r\n$/);
    const notBase64 = await submitOverNc(port(), reference, { powAnswer: 'this is not base64!', timeoutMs: 30_000 });
    expect(notBase64.transcript).toMatch(/That is not base64 .*Bye\.\r\n$/);
    const garbage = await submitOverNc(port(), reference, { uploadLines: ['f0VMRgIBAQ', '#!/bin/sh rm -rf /'], timeoutMs: 30_000 });
    expect(garbage.transcript).toMatch(/Line 2 is not base64 \("#!\/bin\/sh rm -rf \/"\): nothing was submitted\. .*Bye\.\r\n$/);
    const damaged = await submitOverNc(port(), reference, { uploadLines: ['f0VMRg==', 'AgEB'], timeoutMs: 30_000 });
    expect(damaged.transcript).toMatch(/The base64 is damaged .*nothing was submitted/);
    const dropped = await submitOverNc(port(), reference, { dropAfterLines: 3, timeoutMs: 30_000 });
    expect(dropped.md5Line).toBeUndefined();
    const notModule = await submitOverNc(port(), Buffer.from('\x7fELF this is not really a module at all', 'latin1'), { timeoutMs: 30_000 });
    expect(notModule.transcript).toMatch(/Refused: kshram\.ko is .*\r\nWhat to do: .*\r\nScore: 0\/100 \(not graded\)\r\n$/);
    // the server is unaffected and nothing was stored
    const next = await submitOverNc(port(), reference, { powAnswer: 'x', timeoutMs: 30_000 });
    expect(next.transcript).toContain('string S: ');
    expect(submissionsOf('nc-127.0.0.1')).toBe(before);
  }, 120_000);
});
