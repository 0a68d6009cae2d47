import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildModule } from '../../app/build/module.js';
import type { Toolchain } from '../../app/build/toolchain.js';
import type { Kit } from '../../app/kit/kit.js';
import { moduleDir } from '../../app/paths.js';
import { variantSource, writeVariant } from './variants.js';

/**
 * The hostile student's probe of the crash decoder (issue 18): the
 * reference module with one instruction in kshram_init whose DWARF line
 * names another file, as an assembler `.file N "<kshram.c>/../../…/PATH"`
 * then `.loc N LINE`. `bug` makes it a ud2 (an Oops in init, item 3
 * fails); `warn` a ud2 in the kernel's bug table as a warning (the module
 * loads and scores 100/100; the warning's note decodes the line).
 */
export interface DwarfProbe {
  /** The file DWARF is to name, absolute ("/root/secret.txt", "/dev/stdin", "/proc/self/environ"). */
  target: string;
  /** The line of it the instruction claims to be on. */
  line: number;
  kind: 'bug' | 'warn';
}

/** Far above any file number a module's line table uses: the assembler's error then names the next free one. */
const PROBE_FILE_NUMBER = 9999;
/** "... Error: unassigned file number 153" */
const UNASSIGNED = /unassigned file number (\d+)/g;
/** Where the instruction goes: first thing in kshram_init. */
const INIT_START = 'static int __init kshram_init(void)\n{\n\tint ret;\n\n';
/** ../ enough to climb from any build folder to / (a path has fewer components than this). */
const CLIMB = '/..'.repeat(32);

function probeAsm(probe: DwarfProbe, fileNumber: number): string {
  const directives = `".file ${fileNumber} \\"" __FILE__ "${CLIMB}${probe.target}\\"\\n\\t.loc ${fileNumber} ${probe.line} 0\\n\\t"`;
  // _BUG_FLAGS labels the instruction and adds the bug-table entry that makes a ud2 a WARN
  return probe.kind === 'bug' ? `\tasm volatile(${directives} "ud2\\n");\n` : `\t_BUG_FLAGS(${directives} "ud2", BUGFLAG_WARNING | BUGFLAG_TAINT(TAINT_WARN), ASM_REACHABLE);\n`;
}

/**
 * Writes the probe module into `dir` (kshram.c and the seed's kshram.h).
 * The file number must be the line table's next free one, which depends
 * on the kit's headers: a first build with a number far too high lets the
 * assembler name it.
 */
export async function writeDwarfProbe(dir: string, probe: DwarfProbe, kit: Kit, toolchain: Toolchain): Promise<string> {
  const source = async (fileNumber: number): Promise<string> =>
    variantSource({ name: `dwarf-probe-${probe.kind}`, description: '', edits: [[INIT_START, `${INIT_START}${probeAsm(probe, fileNumber)}`]], statuses: [], evidence: /x/ });
  await writeVariant({ name: 'reference', description: '', edits: [], statuses: [], evidence: /x/ }, dir);
  await writeFile(join(dir, 'kshram.c'), await source(PROBE_FILE_NUMBER));
  const scratch = await mkdtemp(join(dir, '..', '.probe-build-'));
  try {
    const first = await buildModule({ dir, name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, workDir: scratch, compat: false });
    const numbers = [...first.log.matchAll(UNASSIGNED)].map((m) => Number(m[1]));
    if (!numbers.length) throw new Error(`the probe's first build did not name the next file number:\n${first.log.slice(-2000)}`);
    await writeFile(join(dir, 'kshram.c'), await source(Math.min(...numbers)));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return readFile(join(dir, 'kshram.c'), 'utf8');
}
