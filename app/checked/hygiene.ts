import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LabError } from '../errors.js';
import type { Kit } from '../kit/kit.js';
import { cacheDir, kitRecipesDir, kitsDir } from '../paths.js';
import { run } from '../process.js';

/**
 * Kernel C hygiene: the kernel's checkpatch.pl --strict (style) and sparse
 * (make C=2: address spaces, locking annotations, undeclared globals) over
 * a module's sources. checkpatch.pl comes from Debian's linux-source
 * package: a debug kit's source tree, or the copy `npm run setup` fetches
 * (resources/tools/fetch-checkpatch.sh).
 */

/** One finding: "kshram.c:12: WARNING: Missing a blank line after declarations". */
export interface HygieneFinding {
  file: string;
  line: number;
  severity: string;
  message: string;
}

export interface HygieneResult {
  findings: HygieneFinding[];
  output: string;
}

/** checkpatch reads a few hundred lines in about a second; sparse runs with a module build (~10 s under load). */
const CHECKPATCH_TIMEOUT_MS = 60_000;
const SPARSE_TIMEOUT_MS = 180_000;

export const checkpatchDir = (): string => join(cacheDir(), 'tools', 'checkpatch');
export const FETCH_CHECKPATCH = join(kitRecipesDir, '..', 'tools', 'fetch-checkpatch.sh');

// "kshram.c:12: WARNING:LINE_SPACING: Missing a blank line after declarations" (--terse --show-types)
const CHECKPATCH_LINE = /^(.+?):(\d+): (ERROR|WARNING|CHECK):(?:(\w+):)? ?(.*)$/;
// "/tmp/x/kshram.c:40:13: warning: symbol 'x' was not declared. Should it be static?"
const SPARSE_LINE = /^(.+?):(\d+):\d+: (warning|error): (.*)$/;

/** The checkpatch.pl to use: a debug kit's source tree first, then the fetched copy. */
export async function findCheckpatch(): Promise<string> {
  const candidates: string[] = [];
  if (existsSync(kitsDir())) {
    for (const entry of await readdir(kitsDir())) candidates.push(join(kitsDir(), entry, 'src', 'scripts', 'checkpatch.pl'));
  }
  candidates.push(join(checkpatchDir(), 'checkpatch.pl'));
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new LabError('TOOLCHAIN_MISSING', 'checkpatch.pl is not in the cache.', `Run npm run setup, or: bash ${FETCH_CHECKPATCH} ${checkpatchDir()}`);
  }
  return found;
}

/** checkpatch.pl --strict over source files (not a patch: -f, and --no-tree outside a kernel tree). */
export async function runCheckpatch(files: readonly string[]): Promise<HygieneResult> {
  const script = await findCheckpatch();
  const result = await run('perl', [script, '--strict', '--no-tree', '--terse', '--show-types', '-f', ...files], { timeoutMs: CHECKPATCH_TIMEOUT_MS });
  const findings: HygieneFinding[] = [];
  for (const line of result.output.split('\n')) {
    const match = CHECKPATCH_LINE.exec(line.trim());
    if (match) findings.push({ file: basename(match[1]!), line: Number(match[2]), severity: match[4] ? `${match[3]!}: ${match[4]}` : match[3]!, message: match[5]! });
  }
  if (result.code !== 0 && !findings.length) throw new LabError('INTERNAL', `checkpatch.pl failed:\n${result.output.trim()}`);
  return { findings, output: result.output };
}

/**
 * sparse over a module: its sources are built in a scratch copy with the
 * kit's kbuild and C=2 (check every file, built or not), so the module's
 * own folder gets no build products.
 */
export async function runSparse(kit: Kit, files: readonly string[]): Promise<HygieneResult> {
  const work = await mkdtemp(join(tmpdir(), 'kshram-sparse-'));
  try {
    for (const file of files) await copyFile(file, join(work, basename(file)));
    const objects = files.filter((f) => f.endsWith('.c')).map((f) => `${basename(f, '.c')}.o`);
    await writeFile(join(work, 'Kbuild'), `obj-m := ${objects.join(' ')}\n`);
    const result = await run('make', ['-C', kit.buildDirPath, `M=${work}`, 'C=2', 'modules'], {
      timeoutMs: SPARSE_TIMEOUT_MS,
      env: { ...process.env, LC_ALL: 'C' },
    });
    if (!/^\s*CHECK\s/m.test(result.output)) {
      const missing = /sparse: (No such file|not found)/.test(result.output);
      throw new LabError(missing ? 'TOOLCHAIN_MISSING' : 'BUILD_FAILED', `sparse did not run:\n${result.output.trim().split('\n').slice(-10).join('\n')}`, 'Install sparse (apt-get install sparse), or run npm run setup.');
    }
    const findings: HygieneFinding[] = [];
    for (const line of result.output.split('\n')) {
      const match = SPARSE_LINE.exec(line.trim());
      if (match && match[1]!.startsWith(work)) findings.push({ file: basename(match[1]!), line: Number(match[2]), severity: match[3]!, message: match[4]! });
    }
    return { findings, output: result.output };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatFinding(finding: HygieneFinding): string {
  return `${finding.file}:${finding.line}: ${finding.severity}: ${finding.message}`;
}
