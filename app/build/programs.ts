import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { checksDir, guestResourcesDir, moduleDir, programsCacheDir } from '../paths.js';
import type { Toolchain } from './toolchain.js';

/** The grader's three check programs, in the order the checklist runs them. */
export const CHECK_PROGRAMS = ['check_msg', 'check_resize', 'check_fork'] as const;
export type CheckProgram = (typeof CHECK_PROGRAMS)[number];

/** Static programs put into every guest, by their name in the guest's /bin. */
export interface GuestPrograms {
  agent: string;
  /** The slot view's helper (resources/guest/slot-view.c). */
  slotView: string;
  /** The module's extended contract as a TAP stream (module/checks/kshram_tap.c). */
  tap: string;
  /** Random concurrent operations on every slot, each known byte checked (module/checks/kshram_stress.c). */
  stress: string;
  checks: Record<CheckProgram, string>;
}

const COMPILE_TIMEOUT_MS = 120_000;

interface ProgramSource {
  name: string;
  /** The C source, or for a prebuilt program the executable itself. */
  source: string;
  includeDir: string;
  /** An executable given as it is (the course's static check programs): copied, not compiled. */
  prebuilt?: boolean;
}

/** Executable by everyone: the guest's agent runs the programs as root, the cache is read by the guest's builder. */
const PROGRAM_MODE = 0o755;

/**
 * Builds the guest's static programs, cached by the hash of their sources
 * and the compiler, so a grade only compiles them the first time.
 * `customChecksDir` holds check_*.c (and possibly kshram.h) to use instead
 * of ours, e.g. the course's own programs; a program given there as an
 * executable (check_msg, no .c) is copied into the guest as it is (the
 * caller has checked it is a static x86-64 one: grade/checks-dir.ts).
 */
export async function buildGuestPrograms(toolchain: Toolchain, customChecksDir?: string): Promise<GuestPrograms> {
  const checkSources = customChecksDir ?? checksDir;
  const checkHeaders = existsSync(join(checkSources, 'kshram.h')) ? checkSources : moduleDir;
  const sources: ProgramSource[] = [
    { name: 'kshram-agent', source: join(guestResourcesDir, 'agent.c'), includeDir: moduleDir },
    { name: 'slot-view', source: join(guestResourcesDir, 'slot-view.c'), includeDir: moduleDir },
    { name: 'kshram_tap', source: join(checksDir, 'kshram_tap.c'), includeDir: moduleDir },
    { name: 'kshram_stress', source: join(checksDir, 'kshram_stress.c'), includeDir: moduleDir },
    ...CHECK_PROGRAMS.map((name) => checkProgram(checkSources, checkHeaders, name)),
  ];
  for (const { source } of sources) {
    if (!existsSync(source)) {
      throw new LabError('BAD_ARGUMENT', `Missing check program ${source}.`, `A checks directory needs ${CHECK_PROGRAMS.map((n) => `${n}.c (or a static ${n})`).join(', ')}.`);
    }
  }

  const hash = createHash('sha256').update(await toolchain.identity());
  for (const { name, source, includeDir, prebuilt } of sources) {
    hash.update(prebuilt ? `${name} prebuilt` : name).update(await readFile(source));
    const header = join(includeDir, 'kshram.h');
    if (existsSync(header)) hash.update(await readFile(header));
  }
  const outDir = join(programsCacheDir(), hash.digest('hex').slice(0, 16));
  const path = (name: string): string => join(outDir, name);

  if (!sources.every(({ name }) => existsSync(path(name)))) {
    const staging = `${outDir}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const program of sources) await compile(toolchain, program, staging);
    await mkdir(programsCacheDir(), { recursive: true });
    // another process may have finished the same build meanwhile; theirs is as good
    await rename(staging, outDir).catch(() => rm(staging, { recursive: true, force: true }));
  }
  return {
    agent: path('kshram-agent'),
    slotView: path('slot-view'),
    tap: path('kshram_tap'),
    stress: path('kshram_stress'),
    checks: Object.fromEntries(CHECK_PROGRAMS.map((name) => [name, path(name)])) as Record<CheckProgram, string>,
  };
}

/** A check program of `dir`: its source when there is one, else the executable of that name. */
function checkProgram(dir: string, includeDir: string, name: string): ProgramSource {
  const source = join(dir, `${name}.c`);
  if (existsSync(source) || !existsSync(join(dir, name))) return { name, source, includeDir };
  return { name, source: join(dir, name), includeDir, prebuilt: true };
}

async function compile(toolchain: Toolchain, program: ProgramSource, outDir: string): Promise<void> {
  if (program.prebuilt) {
    await copyFile(program.source, join(outDir, program.name));
    await chmod(join(outDir, program.name), PROGRAM_MODE);
    return;
  }
  // the container sees only mounted directories: compile a copy in outDir
  const source = join(outDir, `${program.name}.c`);
  const includeDir = join(outDir, `${program.name}.include`);
  await copyFile(program.source, source);
  await mkdir(includeDir);
  const header = join(program.includeDir, 'kshram.h');
  if (existsSync(header)) await copyFile(header, join(includeDir, 'kshram.h'));
  const result = await toolchain.exec(['cc', '-static', '-O2', '-s', `-I${includeDir}`, '-o', join(outDir, program.name), source], {
    cwd: outDir,
    mounts: [],
    writable: [outDir],
    timeoutMs: COMPILE_TIMEOUT_MS,
  });
  await rm(source);
  await rm(includeDir, { recursive: true });
  if (result.code !== 0) {
    // name the program's own file, not the staging copy the compiler saw
    const output = result.output.trim().split(source).join(program.source);
    const linking = /cannot find -lc\b|ld returned/.test(output);
    throw new LabError(
      'BUILD_FAILED',
      `Compiling ${program.name} (${program.source}) failed:\n${output}`,
      linking ? 'Static linking needs libc6-dev (glibc static libraries); run npm run setup.' : `Fix ${program.source}${program.source.startsWith(checksDir) ? '' : ', or leave out --checks to use the built-in check programs'}.`,
    );
  }
}
