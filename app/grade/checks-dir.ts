import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CHECK_PROGRAMS } from '../build/programs.js';
import { LabError } from '../errors.js';
import { runElfTool } from '../symbols/elf-tools.js';
import { safeText } from '../untrusted-text.js';

/** One check program of a --checks folder: its source, or an executable to run as it is. */
export interface CheckProgramFile {
  name: string;
  path: string;
  kind: 'source' | 'executable';
}

/** readelf reads an executable's headers in milliseconds. */
const READELF_TIMEOUT_MS = 20_000;

/**
 * Checks a --checks directory before anything is built: it must hold each
 * of the three check programs as C source (check_msg.c, ...) or as a
 * static x86-64 executable (check_msg, ..., as the course hands them out
 * in dist.tbz); a source wins when both are there. kshram.h is optional
 * (the seed's is used when it is missing). Every missing program is named
 * at once; an executable the guest cannot run is refused by name.
 */
export async function validateChecksDir(dir: string): Promise<{ dir: string; hasHeader: boolean; programs: CheckProgramFile[] }> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new LabError('BAD_ARGUMENT', `The checks directory ${abs} ${info ? 'is not a directory' : 'does not exist'}.`, `Point --checks at a folder holding ${expected()}.`);
  }
  const missing: string[] = [];
  const programs: CheckProgramFile[] = [];
  for (const name of CHECK_PROGRAMS) {
    const source = join(abs, `${name}.c`);
    const executable = join(abs, name);
    if ((await stat(source).catch(() => undefined))?.isFile()) programs.push({ name, path: source, kind: 'source' });
    else if ((await stat(executable).catch(() => undefined))?.isFile()) programs.push({ name, path: executable, kind: 'executable' });
    else missing.push(name);
  }
  if (missing.length) {
    throw new LabError('BAD_ARGUMENT', `The checks directory ${abs} lacks ${missing.map((name) => `${name}.c (or a static ${name})`).join(', ')}.`, `A checks directory holds ${expected()}; kshram.h is optional (the lab's is used when it is missing).`);
  }
  for (const program of programs) if (program.kind === 'executable') await checkGuestExecutable(program.path);
  return { dir: abs, hasHeader: existsSync(join(abs, 'kshram.h')), programs };
}

const expected = (): string => `${CHECK_PROGRAMS.map((name) => `${name}.c`).join(', ')} (or the course's static executables ${CHECK_PROGRAMS.join(', ')})`;

// "  Machine:                           Advanced Micro Devices X86-64"
const HEADER_FIELD = (field: string): RegExp => new RegExp(`^\\s*${field}:\\s+(.*)$`, 'm');
const X86_64_MACHINE = 'Advanced Micro Devices X86-64';
// "      [Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]"
const INTERPRETER = /\[Requesting program interpreter: ([^\]]*)\]/;

/**
 * Refuses, by name, an executable the guest cannot run: it must be an
 * x86-64 ELF executable (ET_EXEC, or a static-PIE ET_DYN) without a
 * program interpreter, since the guest has no C library to load one.
 * Read with readelf in the sandbox (symbols/elf-tools.ts): the file is
 * whatever the folder holds.
 */
export async function checkGuestExecutable(path: string): Promise<void> {
  const result = await runElfTool('readelf', ['-h', '-l', '-W', path], { inputs: [path], timeoutMs: READELF_TIMEOUT_MS });
  const shown = safeText(path);
  const field = (name: string): string | undefined => HEADER_FIELD(name).exec(result.output)?.[1]?.trim();
  const suggestion = 'Use the course\'s static executable as it is, or its source (NAME.c), which is built static for the guest.';
  if (result.code !== 0 || !field('Class')) {
    throw new LabError('BAD_ARGUMENT', `${shown} is neither C source (.c) nor an ELF executable.`, suggestion);
  }
  const machine = field('Machine');
  if (field('Class') !== 'ELF64' || machine !== X86_64_MACHINE) {
    throw new LabError('BAD_ARGUMENT', `${shown} is an executable for ${safeText(`${field('Class') ?? ''} ${machine ?? 'another machine'}`.trim())}, not x86-64: the guest runs x86-64 programs.`, suggestion);
  }
  const type = field('Type') ?? '';
  if (!type.startsWith('EXEC') && !type.startsWith('DYN (Position-Independent Executable')) {
    throw new LabError('BAD_ARGUMENT', `${shown} is not an executable (ELF type ${safeText(type)}).`, suggestion);
  }
  const interpreter = INTERPRETER.exec(result.output)?.[1];
  if (interpreter !== undefined || / INTERP /.test(result.output)) {
    throw new LabError(
      'BAD_ARGUMENT',
      `${shown} is dynamically linked (it asks for ${safeText(interpreter ?? 'a program interpreter')}): the guest has no C library to load it, so it needs a static build.`,
      'Build it with gcc -static, or give its source (NAME.c): the grader builds sources static itself.',
    );
  }
}
