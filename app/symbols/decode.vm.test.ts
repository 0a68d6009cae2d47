import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModule, type ModuleBuildResult } from '../build/module.js';
import { NativeToolchain } from '../build/toolchain.js';
import { VARIANTS, writeVariant } from '../../test/corpus/variants.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { run } from '../process.js';
import { warningYourCode } from './decode-crash.js';
import { decodeFrames, describeOwnSite, firstOwnSite, type ReportFrame, type RunSymbols } from './decode.js';

/**
 * The decoder on real .ko files: corpus variants built with the default
 * kit's kbuild (which builds with DWARF, as Debian's config has
 * DEBUG_INFO). The addresses come from the machine code, not from DWARF:
 * the call to mutex_lock / panic found by its relocation, so the test
 * checks that a frame lands on the line that makes that call.
 */
const kit = await loadKit(DEFAULT_KIT);
const toolchain = new NativeToolchain();
const work = await mkdtemp(join(tmpdir(), 'kshram-symbols-test-'));
afterAll(() => rm(work, { recursive: true, force: true }));

const builds = new Map<string, Promise<{ build: ModuleBuildResult; source: string }>>();
function built(variantName: string): Promise<{ build: ModuleBuildResult; source: string }> {
  let found = builds.get(variantName);
  if (!found) {
    found = (async () => {
      const dir = join(work, variantName);
      if (variantName === 'reference') await writeVariant({ name: 'reference', description: '', edits: [], statuses: [], evidence: /x/ }, dir);
      else await writeVariant(VARIANTS.find((v) => v.name === variantName)!, dir);
      const build = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: join(dir, 'build') });
      if (!build.ok) throw new Error(`${variantName} did not build:\n${build.log}`);
      return { build, source: await readFile(join(dir, 'kshram.c'), 'utf8') };
    })();
    builds.set(variantName, found);
  }
  return found;
}

const symbolsOf = (build: ModuleBuildResult): RunSymbols => ({ modules: { kshram: { koPath: build.koPath!, sources: { dir: build.buildDir, files: build.sources } } } });

/** 1-based line of the only line of `source` within function `fn` that contains `text`. */
function lineOf(source: string, fn: string, text: string): number {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\w.*\\b${fn}\\(`).test(l));
  const end = lines.findIndex((l, i) => i > start && l === '}');
  const hits = lines.map((l, i) => (i > start && i < end && l.includes(text) ? i + 1 : 0)).filter(Boolean);
  if (hits.length !== 1) throw new Error(`${JSON.stringify(text)} is on ${hits.length} lines of ${fn}`);
  return hits[0]!;
}

/**
 * Offsets, within `fn`, of the instructions right after each call to
 * `callee`: the return addresses a call trace prints.
 */
async function returnOffsets(ko: string, fn: string, callee: string): Promise<{ offset: number; length: number }[]> {
  const dump = await run('objdump', ['-dr', '--no-show-raw-insn', ko]);
  // objdump labels init and exit by their aliases
  const label = [fn, fn.replace(/^kshram_init$/, 'init_module').replace(/^kshram_exit$/, 'cleanup_module')].map((name) => `<${name}>:\n`).find((l) => dump.output.includes(l))!;
  const body = dump.output.split(label)[1]!.split('\n\n')[0]!.split('\n');
  const start = parseInt(dump.output.split(label)[0]!.split('\n').at(-1)!, 16);
  const instructions = body.filter((l) => /^\s*[0-9a-f]+:\t/.test(l)).map((l) => parseInt(l, 16));
  const end = instructions.at(-1)! + 1;
  const offsets: number[] = [];
  body.forEach((line, i) => {
    if (!new RegExp(`R_X86_64_PLT32\\s+${callee}-0x4$`).test(line)) return;
    const next = body.slice(i + 1).find((l) => /^\s*[0-9a-f]+:\t/.test(l));
    offsets.push((next ? parseInt(next, 16) : end) - start);
  });
  return offsets.map((offset) => ({ offset, length: end - start }));
}

describe('decoding frames of a real kshram.ko to its lines', () => {
  it('a call-trace frame in kshram_mmap lands on its mutex_lock line, quoted (the return address is the next line\'s)', async () => {
    const { build, source } = await built('reference');
    const [call] = await returnOffsets(build.koPath!, 'kshram_mmap', 'mutex_lock');
    const frames: ReportFrame[] = [
      { func: 'mutex_lock', offset: 0x19, length: 0x30, exact: true },
      { func: 'kshram_mmap', offset: call!.offset, length: call!.length, module: 'kshram', exact: false },
    ];
    const decoded = await decodeFrames(frames, symbolsOf(build));
    expect(decoded.problems).toEqual([]);
    expect(decoded.frames[0]).toMatchObject({ function: 'mutex_lock', own: false, symbol: 'mutex_lock+0x19/0x30' });
    expect(decoded.frames[0]!.line).toBeUndefined();
    const line = lineOf(source, 'kshram_mmap', 'mutex_lock(&slot->lock);');
    expect(decoded.frames[1]).toMatchObject({ function: 'kshram_mmap', module: 'kshram', file: 'kshram.c', line, source: 'mutex_lock(&slot->lock);', own: true, inlinedFrom: [] });
    expect(describeOwnSite(firstOwnSite(decoded.frames)!)).toBe(`your code: kshram.c:${line} \`mutex_lock(&slot->lock);\` in kshram_mmap`);
  });

  it('a .cold part: panic() in kshram_ioctl.cold lands on the panic line, with the inline chain up to kshram_ioctl', async () => {
    const { build, source } = await built('panic-in-ioctl');
    const [call] = await returnOffsets(build.koPath!, 'kshram_ioctl.cold', 'panic');
    expect(call).toBeDefined();
    const decoded = await decodeFrames([{ func: 'kshram_ioctl.cold', offset: call!.offset, length: call!.length, module: 'kshram', exact: false }], symbolsOf(build));
    const frame = decoded.frames[0]!;
    expect(frame).toMatchObject({ function: 'kshram_set_size', file: 'kshram.c', line: lineOf(source, 'kshram_set_size', 'panic('), own: true });
    expect(frame.inlinedFrom.at(-1)).toMatchObject({ function: 'kshram_ioctl', file: 'kshram.c', line: lineOf(source, 'kshram_ioctl', 'kshram_set_size(slot, arg)'), own: true });
  });

  it('init and exit sections: each is looked up in its own section', async () => {
    const { build, source } = await built('reference');
    const [init] = await returnOffsets(build.koPath!, 'kshram_init', 'proc_create_single_data');
    const [exit] = await returnOffsets(build.koPath!, 'kshram_exit', 'remove_proc_entry');
    const decoded = await decodeFrames(
      [
        { func: 'kshram_init', offset: init!.offset, length: init!.length, module: 'kshram', exact: false },
        { func: 'kshram_exit', offset: exit!.offset, length: exit!.length, module: 'kshram', exact: false },
      ],
      symbolsOf(build),
    );
    expect(decoded.frames[0]).toMatchObject({ function: 'kshram_init', line: lineOf(source, 'kshram_init', 'proc_create_single("kshram"') });
    expect(decoded.frames[1]).toMatchObject({ function: 'kshram_exit', line: lineOf(source, 'kshram_exit', 'remove_proc_entry(') });
  });

  it('an offset the .ko\'s function cannot hold says the .ko is not the one that was loaded', async () => {
    const { build } = await built('reference');
    const decoded = await decodeFrames([{ func: 'kshram_open', offset: 0x4000, length: 0x4010, module: 'kshram', exact: true }], symbolsOf(build));
    expect(decoded.frames[0]).toMatchObject({ function: 'kshram_open', own: false });
    expect(decoded.frames[0]!.line).toBeUndefined();
    expect(decoded.problems.join('\n')).toMatch(/kshram_open\+0x4000 is not in .*kshram\.ko: it is not the object that was loaded/);
  });

  it('frames of modules the run did not build stay names', async () => {
    const { build } = await built('reference');
    const decoded = await decodeFrames([{ func: 'e1000_probe', offset: 8, length: 0x100, module: 'e1000', exact: false }], symbolsOf(build));
    expect(decoded).toEqual({ frames: [{ function: 'e1000_probe', symbol: 'e1000_probe+0x8/0x100', offset: 8, module: 'e1000', exact: false, own: false, inlinedFrom: [] }], problems: [] });
  });

  it('a kernel warning\'s call trace points into the student\'s code', async () => {
    const { build, source } = await built('reference');
    const [exit] = await returnOffsets(build.koPath!, 'kshram_exit', 'remove_proc_entry');
    const at = `kshram_exit+0x${exit!.offset.toString(16)}/0x${exit!.length.toString(16)} [kshram]`;
    const warning = [
      '[    5.1] WARNING: CPU: 0 PID: 93 at fs/proc/generic.c:718 remove_proc_entry+0x18d/0x1a0',
      '[    5.1] RIP: 0010:remove_proc_entry+0x18d/0x1a0',
      '[    5.1] Call Trace:',
      '[    5.1]  <TASK>',
      `[    5.1]  ${at}`,
      '[    5.1]  __do_sys_delete_module+0x1d6/0x2f0',
      '[    5.1] ---[ end trace 0000000000000000 ]---',
    ].join('\n');
    const line = lineOf(source, 'kshram_exit', 'remove_proc_entry(');
    await expect(warningYourCode(warning, symbolsOf(build))).resolves.toBe(`your code: kshram.c:${line} \`remove_proc_entry("kshram", NULL);\` in kshram_exit`);
  });
});
