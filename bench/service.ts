/**
 * The course service under a deadline night's load: COUNT submissions
 * (default 200) from 20 students, half through HTTP and half through the
 * nc front, all at once, to `kshram-lab serve` with WORKERS workers
 * (default 2) on its private Redis: the reference (.ko and .c), broken
 * modules of the corpus, and garbage it must refuse. Every result is
 * checked; prints throughput and latency percentiles (queue wait, grade,
 * end to end) and the service's memory.
 *   npx tsx bench/service.ts [count] [workers]
 * On 2 cores with 2 workers, 80 submissions were graded in 4 min at load
 * 4 (bench/RESULTS.md), so 200 take about 10 min, plus a minute to start.
 */
import { availableParallelism, loadavg } from 'node:os';
import { percentile, runLoad } from '../test/service-load.js';
import { printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

const count = Number(process.argv[2] ?? 200);
const workers = Number(process.argv[3] ?? 2);
const students = 20;
const MIB = 1024 * 1024;
const loadText = (load: number[]): string => load.map((l) => l.toFixed(1)).join(' ');

const loadAtStart = loadavg();
const outcome = await runLoad({ count, students, workers, log: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`) });
const cores = availableParallelism();
const perMinute = outcome.graded / (outcome.wallMs / 60_000);
console.log(`${outcome.submitted} submissions from ${students} students (HTTP and nc), ${workers} workers, ${cores} cores, load ${loadText(loadAtStart)} at the start, ${loadText(loadavg())} at the end\n`);
printTable(
  ['measure', 'value'],
  [
    ['graded / refused (garbage) / wrong or lost', `${outcome.graded} / ${outcome.refused} / ${outcome.wrong.length}`],
    ['wall time, first submission to last result', `${seconds(outcome.wallMs)} s`],
    ['grades per minute', perMinute.toFixed(2)],
    ['grades per minute per core', (perMinute / cores).toFixed(2)],
    ...(['queueWaitMs', 'gradeMs', 'endToEndMs'] as const).map((key) => {
      const values = outcome[key];
      return [`${key.replace('Ms', '')} p50 / p90 / p99 / max (s)`, [50, 90, 99, 100].map((p) => seconds(percentile(values, p))).join(' / ')];
    }),
    ['service RSS first / peak / last (MiB)', [outcome.rssSamples[0], Math.max(...outcome.rssSamples), outcome.rssSamples.at(-1)].map((b) => ((b ?? 0) / MIB).toFixed(0)).join(' / ')],
  ],
);
if (outcome.wrong.length) {
  console.log(`\nwrong or lost:\n${outcome.wrong.join('\n')}`);
  process.exitCode = 1;
}
