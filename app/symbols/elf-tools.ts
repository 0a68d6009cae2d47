import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BWRAP, checkSandbox, giveToSandbox, NO_SANDBOX_ENV, SANDBOX_ADDRESS_SPACE_BYTES, sandboxArguments, sandboxDisabled, sandboxEnvironment, takeBackFromSandbox } from '../build/sandbox.js';
import { LabError } from '../errors.js';
import { run, type RunResult } from '../process.js';
import { safeText } from '../untrusted-text.js';

/**
 * The one way the host reads an ELF file someone else made (a student's
 * kshram.ko, a course service upload, a --checks executable): binutils
 * and gdb were not written for hostile input, so each runs in the build's
 * bubblewrap sandbox (app/build/sandbox.ts) — no network, no other
 * processes, a read-only view of /usr and of the named input files only,
 * the unprivileged user when we are root, bounded memory, CPU time and
 * output, stdin closed (run() never hands a child ours).
 */

/** The programs that read ELF files on the host. */
export type ElfTool = 'readelf' | 'addr2line' | 'objcopy' | 'objdump' | 'nm' | 'gdb';

export interface ElfToolOptions {
  /** The files the tool reads; each is bound read-only at its own path, nothing else of ours is visible. */
  inputs: readonly string[];
  /** The one folder the tool may write (objcopy's output); handed to the sandbox's user for the call. */
  outputDir?: string;
  timeoutMs: number;
}

/** A module's .modinfo answers in milliseconds. */
const MODINFO_TIMEOUT_MS = 20_000;
/** What a tool may print: far more than any listing of a module, far less than memory. */
const MAX_TOOL_OUTPUT_BYTES = 64 * 1024 * 1024;
/**
 * A tool maps its input and builds tables from it (addr2line on a kit's
 * vmlinux with DWARF: hundreds of MB): it may use this many times the
 * inputs' size, and never less than a build's 1 GiB.
 */
const ADDRESS_SPACE_PER_INPUT_BYTE = 4;
/** Others may read: the sandbox's user (nobody) is "others" to a root-owned file. */
const WORLD_READABLE = 0o004;

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Runs an ELF tool in the sandbox on `options.inputs`. Resolves with its
 * output like run() (a non-zero exit is the caller's to judge); rejects
 * with TOOLCHAIN_MISSING when the sandbox or the tool is missing, and
 * BAD_ARGUMENT when an input is not a plain file the sandbox can read.
 */
export async function runElfTool(tool: ElfTool, args: readonly string[], options: ElfToolOptions): Promise<RunResult> {
  const inputs = options.inputs.map((path) => resolve(path));
  let inputBytes = 0;
  for (const path of inputs) inputBytes += await checkInput(path);
  const env = sandboxEnvironment();
  if (sandboxDisabled()) {
    process.emitWarning(`${NO_SANDBOX_ENV} is set: ${tool} reads ${inputs.join(', ')} without the sandbox.`, { code: 'KSHRAM_LAB_NO_SANDBOX' });
    return run(tool, args, { timeoutMs: options.timeoutMs, env: { ...process.env, ...env }, maxOutputBytes: MAX_TOOL_OUTPUT_BYTES }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? missing(tool) : err;
    });
  }
  await checkSandbox();
  const writable = options.outputDir ? [resolve(options.outputDir)] : [];
  await giveToSandbox(writable);
  try {
    const sandbox = sandboxArguments({
      command: [tool, ...args],
      cwd: '/',
      readOnly: inputs,
      writable,
      env,
      limits: { addressSpaceBytes: Math.max(SANDBOX_ADDRESS_SPACE_BYTES, ADDRESS_SPACE_PER_INPUT_BYTE * inputBytes) },
    });
    const result = await run(BWRAP, sandbox, { timeoutMs: options.timeoutMs, maxOutputBytes: MAX_TOOL_OUTPUT_BYTES });
    // the launchers inside the sandbox say so when the tool itself is missing
    if (result.code === 127 && /^(prlimit|setpriv): failed to execute .*: No such file or directory\s*$/.test(result.output)) throw missing(tool);
    return result;
  } finally {
    await takeBackFromSandbox(writable);
  }
}

/** An input is a plain file (never a link, a FIFO or a device) the sandbox's user can read; returns its size. */
async function checkInput(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw new LabError('BAD_ARGUMENT', `${safeText(path)} is not a regular file${info?.isSymbolicLink() ? ' (it is a link)' : info ? '' : ' (it does not exist)'}, so it is not read as an ELF object.`);
  }
  if (isRoot() && !sandboxDisabled() && !(info.mode & WORLD_READABLE)) {
    throw new LabError('BAD_ARGUMENT', `${safeText(path)} is not readable by the sandbox's user (nobody), which reads ELF files for us.`, 'Make it readable by others (mode 0644); it needs no secrecy, it is read in a sandbox.');
  }
  return info.size;
}

function missing(tool: ElfTool): LabError {
  const what = tool === 'gdb' ? 'gdb (apt-get install gdb)' : 'binutils (apt-get install binutils)';
  return new LabError('TOOLCHAIN_MISSING', `${tool} is not installed, so ELF files cannot be read.`, `Install ${what}.`);
}

// "  [     0]  license=GPL" (readelf -p: each NUL-terminated string with its offset)
const STRING_DUMP_LINE = /^\s*\[\s*[0-9a-f]+\]\s\s(.*)$/;

/**
 * A kernel module's .modinfo strings (vermagic, name, license, depends,
 * ...), read with readelf in the sandbox. The course service checks an
 * upload's `vermagic` against its kit's kernel with this before it boots
 * anything. Values are as the module says, made safe to print
 * (safeText); an empty map when the file has no .modinfo.
 */
export async function moduleInfo(koPath: string): Promise<Map<string, string>> {
  const result = await runElfTool('readelf', ['-W', '-p', '.modinfo', koPath], { inputs: [koPath], timeoutMs: MODINFO_TIMEOUT_MS });
  const info = new Map<string, string>();
  if (result.code !== 0) {
    throw new LabError('BAD_ARGUMENT', `${safeText(koPath)} is not a readable ELF object: ${safeText(result.output.trim().split('\n')[0] ?? '')}`, 'Upload the kshram.ko your build made.');
  }
  for (const line of result.output.split('\n')) {
    const text = STRING_DUMP_LINE.exec(line)?.[1];
    const at = text?.indexOf('=') ?? -1;
    if (!text || at <= 0) continue;
    const key = safeText(text.slice(0, at));
    // the first value wins: a module lists each key once, and a second vermagic must not override the first
    if (!info.has(key)) info.set(key, safeText(text.slice(at + 1)));
  }
  return info;
}
