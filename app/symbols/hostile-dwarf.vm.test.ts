import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModule, type ModuleBuildResult } from '../build/module.js';
import { NativeToolchain } from '../build/toolchain.js';
import { DEFAULT_KIT, loadKit, type Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { run } from '../process.js';
import { decodeCrash } from './decode-crash.js';
import { decodeFrames, firstOwnSite, type RunSymbols } from './decode.js';
import { writeDwarfProbe, type DwarfProbe } from '../../test/corpus/dwarf-probe.js';
import type { CrashReport } from '../vm/crash.js';

/**
 * The crash decoder against a hostile line table (issue 18): a module
 * whose DWARF says an instruction is on a line of a host file. The
 * decoder must show that name and never open it: the canary's content is
 * in nothing it returns, a FIFO it names does not block it, and a build
 * folder whose kshram.c became a link is not quoted. Real builds with the
 * default kit (no QEMU): the frame is the probe's ud2, found in the .ko.
 */
const CANARY = 'kshram-canary-0c4e7a91-do-not-print';
const kit: Kit = await loadKit(DEFAULT_KIT);
const toolchain = new NativeToolchain();
let work: string;
let secret: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-hostile-dwarf-'));
  await mkdir(join(work, 'private'));
  secret = join(work, 'private', 'secret.txt');
  await writeFile(secret, `line one ${CANARY}\nline two ${CANARY}\nline three ${CANARY}\n`);
  await chmod(secret, 0o600);
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function buildProbe(name: string, probe: DwarfProbe): Promise<ModuleBuildResult> {
  const dir = join(work, name);
  await writeDwarfProbe(dir, probe, kit, toolchain);
  const build = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: join(work, `${name}-build`), compat: false });
  if (!build.ok) throw new Error(`${name} did not build:\n${build.log}`);
  return build;
}

/** The probe's ud2 in kshram_init as the RIP frame an Oops would print (offset and length from the .ko). */
async function ud2Frame(ko: string): Promise<{ func: string; offset: number; length: number; module: string; exact: true }> {
  const dump = (await run('objdump', ['-d', '-j', '.init.text', ko])).output;
  const start = /^([0-9a-f]+) <(?:kshram_init|init_module)>:$/m.exec(dump);
  const ud2 = /^\s*([0-9a-f]+):\s+0f 0b\s+ud2/m.exec(dump);
  const symbols = (await run('readelf', ['-sW', ko])).output;
  const size = /^\s*\d+: [0-9a-f]+\s+(\d+) FUNC\s+LOCAL\s+DEFAULT\s+\d+ kshram_init$/m.exec(symbols);
  if (!start || !ud2 || !size) throw new Error('the probe has no ud2 in kshram_init');
  return { func: 'kshram_init', offset: parseInt(ud2[1]!, 16) - parseInt(start[1]!, 16), length: Number(size[1]), module: 'kshram', exact: true };
}

const symbolsOf = (build: ModuleBuildResult): RunSymbols => ({ modules: { kshram: { koPath: build.koPath!, sources: { dir: build.buildDir, files: build.sources } } } });

describe('the crash decoder never opens a file a line table names', () => {
  it('a line of a 0600 host file (kshram.c/../…/secret.txt:2) is shown as a name, its content nowhere', async () => {
    const build = await buildProbe('secret', { target: secret, line: 2, kind: 'bug' });
    const frame = await ud2Frame(build.koPath!);
    const decoded = await decodeFrames([frame], symbolsOf(build));
    expect(decoded.problems).toEqual([]);
    expect(decoded.frames[0]).toMatchObject({ function: 'kshram_init', line: 2, own: false });
    // the name is the probe's path, as DWARF has it; it is a name, never read
    expect(decoded.frames[0]!.file).toMatch(/\/kshram\.c(\/\.\.)+\/.*\/private\/secret\.txt$/);
    expect(decoded.frames[0]!.source).toBeUndefined();
    expect(firstOwnSite(decoded.frames)).toBeUndefined();
    const rip = `kshram_init+0x${frame.offset.toString(16)}/0x${frame.length.toString(16)} [kshram]`;
    const crash: CrashReport = { kind: 'oops', title: 'invalid opcode: 0000 [#1] PREEMPT SMP NOPTI', rip, ripFrame: { ...frame, guess: false, text: rip }, frames: [], text: `RIP: 0010:${rip}`, complete: true };
    const whole = await decodeCrash(crash, symbolsOf(build));
    expect(whole.yourCode).toBeUndefined();
    expect(JSON.stringify([decoded, whole])).not.toContain(CANARY);
  });

  it('/proc/self/environ named in DWARF is not read: the grader\'s environment stays its own', async () => {
    process.env.KSHRAM_TEST_CANARY = CANARY;
    try {
      const build = await buildProbe('environ', { target: '/proc/self/environ', line: 1, kind: 'warn' });
      const decoded = await decodeFrames([await ud2Frame(build.koPath!)], symbolsOf(build));
      expect(decoded.frames[0]).toMatchObject({ line: 1, own: false });
      expect(decoded.frames[0]!.source).toBeUndefined();
      expect(JSON.stringify(decoded)).not.toContain(CANARY);
    } finally {
      delete process.env.KSHRAM_TEST_CANARY;
    }
  });

  it('a FIFO named in DWARF (as /dev/stdin would be) does not block the decoder', async () => {
    const fifo = join(work, 'private', 'fifo');
    execFileSync('mkfifo', [fifo]);
    const build = await buildProbe('fifo', { target: fifo, line: 1, kind: 'bug' });
    const started = Date.now();
    const decoded = await decodeFrames([await ud2Frame(build.koPath!)], symbolsOf(build));
    expect(decoded.frames[0]).toMatchObject({ line: 1, own: false });
    // nobody ever writes the FIFO: opening it for reading would wait forever
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('a build folder whose kshram.c became a link is not quoted through the link', async () => {
    const dir = join(work, 'linked');
    await writeDwarfProbe(dir, { target: secret, line: 2, kind: 'bug' }, kit, toolchain);
    const build = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: join(work, 'linked-build'), compat: false });
    expect(build.ok).toBe(true);
    const frame = await ud2Frame(build.koPath!);
    // the call of kshram_alloc_slots right after the probe is on a real kshram.c line: quoted while kshram.c is the copy ...
    const real = await decodeFrames([{ ...frame, offset: frame.offset + 2, exact: true }], symbolsOf(build));
    expect(real.frames[0]).toMatchObject({ file: 'kshram.c', own: true });
    expect(real.frames[0]!.source).toBeDefined();
    // ... and not once the copy is a link to the secret
    await unlink(join(build.buildDir, 'kshram.c'));
    await symlink(secret, join(build.buildDir, 'kshram.c'));
    const linked = await decodeFrames([{ ...frame, offset: frame.offset + 2, exact: true }], symbolsOf(build));
    expect(linked.frames[0]!.own).toBe(false);
    expect(linked.frames[0]!.source).toBeUndefined();
    expect(JSON.stringify(linked)).not.toContain(CANARY);
  });
});
