/**
 * How fast the bad inputs of issue 12 end, as whole operations timed from
 * outside (the tests assert that they end and what they say, with bounds a
 * busy host cannot break; the figures live here):
 *   - a module whose init takes every page: graded, the OOM named (goal < 20 s);
 *   - `kshram-lab grade` stopped by Ctrl-C or SIGTERM while its build runs:
 *     the CLI's exit (goal: Ctrl-C < 1 s) and what is left (nothing);
 *   - a 9 MB .tar.gz of zeros: rejected (goal < 10 s).
 *   npx tsx bench/robustness.ts [runs]
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradeSubmission } from '../app/grade/runner.js';
import { prepareSubmission } from '../app/submissions/index.js';
import { gradeUntilCompiling, neverEndingBuild, referenceWithInit, TAKES_EVERY_PAGE, zerosTarGz } from '../test/bad-inputs.js';
import { BUILD_TOOLS, processesMentioning } from '../test/processes.js';
import { until } from '../test/until.js';
import { median, printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

const runs = Number(process.argv[2] ?? 3);
/** How long killed build processes may take to be reaped before they count as left behind. */
const REAP_MS = 10_000;
const root = await mkdtemp(join(tmpdir(), 'kshram-bench-robust-'));
const rows: string[][] = [];
const row = (what: string, goal: string, values: number[], note: string): void => {
  rows.push([what, goal, seconds(median(values)), `${seconds(Math.min(...values))}-${seconds(Math.max(...values))}`, String(values.length), note]);
};

try {
  // 1. the OOM module
  const hog = await referenceWithInit(join(root, 'hog'), TAKES_EVERY_PAGE);
  const oom: number[] = [];
  const oomItem: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const report = await gradeSubmission(hog);
    oom.push(Date.now() - started);
    oomItem.push(report.items[2]!.elapsedMs ?? 0);
    if (report.crash?.kind !== 'oom') throw new Error(`the OOM was not named: ${report.items[2]!.summary}`);
  }
  row('OOM module graded, OOM named (whole grade)', '< 20', oom, `item 3 itself ${seconds(median(oomItem))} s`);

  // 2. the CLI stopped mid-build, in a build that never ends by itself
  const never = await neverEndingBuild(join(root, 'never'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const exits: number[] = [];
    let left = 0;
    for (let i = 0; i < runs; i++) {
      const tmp = join(root, `${signal}-${i}`);
      const { cli, exited } = await gradeUntilCompiling(never, tmp);
      const struck = Date.now();
      cli.kill(signal);
      await exited;
      exits.push(Date.now() - struck);
      await until('the build processes to be reaped', () => !processesMentioning(tmp).some((p) => BUILD_TOOLS.test(p)), REAP_MS).catch(() => undefined);
      left += processesMentioning(tmp).filter((p) => BUILD_TOOLS.test(p)).length + (await readdir(tmp)).filter((n) => n.startsWith('kshram')).length;
    }
    row(`grade CLI stopped by ${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} mid-build: exit`, signal === 'SIGINT' ? '< 1' : '-', exits, `${left} processes or run folders left`);
  }

  // 3. a 9 MB .tar.gz of zeros
  const zeros = await zerosTarGz(join(root, 'zeros.tar.gz'));
  const rejected: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const refused = await prepareSubmission(zeros, join(root, `zeros-${i}`)).then(
      () => false,
      () => true,
    );
    rejected.push(Date.now() - started);
    if (!refused) throw new Error('the .tar.gz of zeros was accepted');
  }
  row('9 MB .tar.gz of zeros rejected', '< 10', rejected, '');
} finally {
  await rm(root, { recursive: true, force: true });
}

console.log(`${runs} runs each; whole operations, seconds\n`);
printTable(['what', 'goal s', 'median s', 'min-max s', 'runs', 'note'], rows);
