import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseShell } from 'shell-quote';
import writeFileAtomic from 'write-file-atomic';
import { kitBuildTree } from '../build/module.js';
import { selectToolchain } from '../build/select.js';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';

/** A one-line module compiles in ~1.5 s here; anything near this is stuck. */
const PROBE_BUILD_TIMEOUT_MS = 60_000;
/** The probe's source name; its flags are kshram.c's flags because kbuild keys nothing else on the name but KBUILD_*NAME. */
const PROBE_NAME = 'kshram';
/** Bump when the cached form of the flags changes. */
const FLAGS_FORMAT = 1;

export interface KbuildFlags {
  /** Where kbuild ran the compiler (relative -I paths are relative to it). */
  directory: string;
  /** The compiler's argv without the input file, output or dependency-file flags. */
  args: string[];
  /** The kit release these flags came from. */
  kernelRelease: string;
}

/**
 * The compiler command kbuild uses for kshram.c on a kit, taken from the
 * .kshram.o.cmd that kbuild itself writes: a one-line module is compiled
 * with `make M=DIR kshram.o` in a private folder (the flags do not depend
 * on the source), once per kit release, and the result is cached.
 */
export async function kbuildFlags(kit: Kit, lspDir: string): Promise<KbuildFlags> {
  const cached = join(lspDir, 'kbuild-flags.json');
  if (existsSync(cached)) {
    try {
      const data = JSON.parse(await readFile(cached, 'utf8')) as KbuildFlags & { format: number };
      if (data.format === FLAGS_FORMAT && data.kernelRelease === kit.kernelRelease && data.directory === kit.buildDirPath) return data;
    } catch {
      // rebuilt below
    }
  }
  if (!existsSync(join(kit.buildDirPath, 'Makefile'))) {
    throw new LabError('KIT_CORRUPT', `The kit "${kit.name}" has no module build directory on this machine (${kit.buildDirPath}), so the editor cannot know its compile flags.`, `Install the kit's headers here: kshram-lab kits install ${kit.name}`);
  }
  // a folder of this call's own: two clangd starts on one kit (two windows, two test files) each probe,
  // where a shared folder was removed under the other's running build
  await mkdir(lspDir, { recursive: true });
  const probeDir = await mkdtemp(join(lspDir, 'kbuild-probe-'));
  try {
    await writeFile(join(probeDir, `${PROBE_NAME}.c`), '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n');
    await writeFile(join(probeDir, 'Kbuild'), `obj-m := ${PROBE_NAME}.o\n`);
    const toolchain = await selectToolchain(kit);
    const result = await toolchain.exec(['make', '-C', kit.buildDirPath, `M=${probeDir}`, `${PROBE_NAME}.o`], { cwd: probeDir, mounts: kitBuildTree(kit), writable: [probeDir], timeoutMs: PROBE_BUILD_TIMEOUT_MS });
    const cmdFile = join(probeDir, `.${PROBE_NAME}.o.cmd`);
    if (result.code !== 0 || !existsSync(cmdFile)) {
      const tail = result.output.trim().split('\n').slice(-3).join(' ').slice(0, 400);
      throw new LabError('BUILD_FAILED', `kbuild could not compile a one-line module for the kit "${kit.name}", so the editor cannot know its compile flags: ${tail}`, 'Check that Build works; the editor\'s language features need the same tools.');
    }
    const flags: KbuildFlags = { directory: kit.buildDirPath, args: parseCmdFile(await readFile(cmdFile, 'utf8'), join(probeDir, `${PROBE_NAME}.c`)), kernelRelease: kit.kernelRelease };
    // whole or not at all: another start may be reading it
    await writeFileAtomic(cached, JSON.stringify({ format: FLAGS_FORMAT, ...flags }, null, 1));
    return flags;
  } finally {
    await rm(probeDir, { recursive: true, force: true });
  }
}

/**
 * The compiler's argv from a kbuild .cmd file's first line
 * (`cmd_X.o := gcc ... -c -o X.o X.c ; objtool ...`), without the source,
 * the output and the dependency file (clangd supplies its own).
 */
export function parseCmdFile(text: string, sourcePath: string): string[] {
  // `cmd_` up to Linux 6.1, `savedcmd_` from 6.3
  const first = /^(?:saved)?cmd_\S+ :=\s*(.*)$/m.exec(text);
  if (!first) throw new LabError('BUILD_FAILED', 'kbuild wrote a .cmd file without a command line.', 'Rebuild the kit: kshram-lab kits remove NAME && kshram-lab kits install NAME');
  const words: string[] = [];
  for (const token of parseShell(first[1]!)) {
    if (typeof token !== 'string') break; // `;` ends the compiler command (objtool follows)
    words.push(token);
  }
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-o') {
      i++;
      continue;
    }
    if (word.startsWith('-Wp,-MMD') || word.startsWith('-Wp,-MD') || word === sourcePath) continue;
    args.push(word);
  }
  return args;
}
