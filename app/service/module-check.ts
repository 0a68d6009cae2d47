import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { moduleInfo, runElfTool } from '../symbols/elf-tools.js';

/** readelf reads a module's header in milliseconds. */
const READELF_TIMEOUT_MS = 20_000;
/** The name the lab's module must have: the grader loads kshram.ko and looks for "kshram". */
const MODULE_NAME = 'kshram';
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** What a .ko says about itself: its ELF header and its .modinfo. */
export interface ModuleFacts {
  elfClass?: string;
  type?: string;
  machine?: string;
  /** From .modinfo; absent when it has none (not built by kbuild). */
  vermagic?: string;
  name?: string;
}

/**
 * Reads a module's ELF header and .modinfo with the project's one way of
 * reading a stranger's ELF file: readelf in the build sandbox
 * (app/symbols/elf-tools.ts), on a private copy.
 */
export async function readModuleFacts(data: Buffer): Promise<ModuleFacts> {
  // the sandbox sees one private file, never the service's data folder
  const dir = await mkdtemp(join(tmpdir(), 'kshram-ko-'));
  try {
    const copy = join(dir, 'module.ko');
    // read by the sandbox's unprivileged user
    await writeFile(copy, data, { mode: 0o644 });
    await chmod(dir, 0o755);
    const header = await runElfTool('readelf', ['-h', '-W', copy], { inputs: [copy], timeoutMs: READELF_TIMEOUT_MS });
    const facts = parseElfHeader(header.output);
    if (header.code !== 0) return facts;
    const info = await moduleInfo(copy).catch(() => new Map<string, string>());
    const vermagic = info.get('vermagic')?.trim();
    const name = info.get('name')?.trim();
    return { ...facts, ...(vermagic ? { vermagic } : {}), ...(name ? { name } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Class, Type and Machine of `readelf -h`. */
export function parseElfHeader(output: string): ModuleFacts {
  const field = (name: string): string | undefined => new RegExp(`^\\s*${name}:\\s+(.+?)\\s*$`, 'm').exec(output)?.[1];
  const elfClass = field('Class');
  const type = field('Type');
  const machine = field('Machine');
  return { ...(elfClass ? { elfClass } : {}), ...(type ? { type } : {}), ...(machine ? { machine } : {}) };
}

/** The kernel release a vermagic names: its first word. */
export const vermagicRelease = (vermagic: string): string => vermagic.split(/\s+/)[0] ?? vermagic;

/**
 * Refuses, with a reason a student can act on, a .ko the service cannot
 * grade: not ELF, not x86-64, not a relocatable object, no vermagic, built
 * for another kernel than the kit's, or not the kshram module. Returns
 * quietly for a module the kit's kernel would load.
 */
export async function checkModule(kit: Kit, kitVermagic: string, fileName: string, data: Buffer): Promise<void> {
  const build = `Build it for the service's kernel: kshram-lab build DIR --kit ${kit.name} (or submit kshram.c and the service builds it).`;
  if (!data.subarray(0, 4).equals(ELF_MAGIC)) {
    throw new LabError('MODULE_INVALID', `${fileName} is not a kernel module: it is not an ELF file (it starts with ${describeHead(data)}).`, `Upload the kshram.ko that make produced. ${build}`);
  }
  const facts = await readModuleFacts(data);
  if (facts.elfClass !== 'ELF64' || !/X86-64/i.test(facts.machine ?? '')) {
    throw new LabError('MODULE_INVALID', `${fileName} is built for ${facts.machine ?? 'an unknown machine'} (${facts.elfClass ?? 'unknown class'}); the service grades x86-64 modules (Linux ${kit.kernelRelease}).`, `On an ARM machine, cross-compile with ARCH=x86_64 CROSS_COMPILE=x86_64-linux-gnu-. ${build}`);
  }
  if (!/^REL\b/.test(facts.type ?? '')) {
    throw new LabError('MODULE_INVALID', `${fileName} is ${facts.type ? `an ELF ${facts.type.replace(/^\w+ \((.*)\)$/, '$1').toLowerCase()}` : 'not a relocatable object'}, not a kernel module (a .ko is a relocatable object file).`, build);
  }
  if (!facts.vermagic) {
    throw new LabError('MODULE_INVALID', `${fileName} has no vermagic in its .modinfo: it was not built as a kernel module by kbuild.`, build);
  }
  if (facts.vermagic !== kitVermagic) {
    const theirs = vermagicRelease(facts.vermagic);
    const ours = vermagicRelease(kitVermagic);
    const what = theirs === ours ? `the same kernel release (${ours}) with other options ("${facts.vermagic}" instead of "${kitVermagic}")` : `Linux ${theirs}`;
    throw new LabError('MODULE_WRONG_KERNEL', `${fileName} was built for ${what}; this service grades on Linux ${ours} (kit ${kit.name}), whose kernel refuses modules built for another.`, build);
  }
  if (facts.name && facts.name !== MODULE_NAME) {
    throw new LabError('MODULE_INVALID', `${fileName} is the module "${facts.name}", not ${MODULE_NAME}: the grader loads kshram.ko and looks for the kshram module.`, 'Build the lab\'s module (obj-m := kshram.o) and upload its kshram.ko.');
  }
}

/** The first bytes of a file that is not ELF, as a student would recognise them. */
function describeHead(head: Buffer): string {
  const text = head.subarray(0, 16).toString('latin1');
  if (/^[\x20-\x7e]+$/.test(text)) return `"${text}"`;
  return head
    .subarray(0, 8)
    .toString('hex')
    .replace(/(..)/g, '$1 ')
    .trim();
}

/** The kit's vermagic, read from the hello module built against it (ours, so trusted; cached per kit). */
export async function kitVermagic(helloKo: string): Promise<string> {
  const facts = await readModuleFacts(await readFile(helloKo));
  if (!facts.vermagic) throw new LabError('KIT_CORRUPT', `The kit's hello module (${helloKo}) has no vermagic; its build tree looks broken.`, 'Reinstall the kit: kshram-lab kits install --force NAME');
  return facts.vermagic;
}
