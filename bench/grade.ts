/**
 * Grade benchmark: the reference module graded N times in a row, with the
 * time of each checklist item, the VM's total against the 120 s limit and
 * the whole run including builds.
 *   npx tsx bench/grade.ts [runs] [kit]
 */
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { moduleDir } from '../app/paths.js';
import { gradeSubmission, type GradeReport } from '../app/grade/runner.js';
import { median, printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

const runs = Number(process.argv[2] ?? 5);
const kit = process.argv[3] ?? DEFAULT_KIT;
const reports: GradeReport[] = [];
for (let i = 0; i < runs; i++) reports.push(await gradeSubmission(moduleDir, { kit }));

const column = (pick: (r: (typeof reports)[number]) => number): string => {
  const values = reports.map(pick);
  return `${seconds(median(values))} (${seconds(Math.min(...values))}-${seconds(Math.max(...values))})`;
};
const rows = reports[0]!.items.map((item, index) => [`${item.id}. ${item.title}`, column((r) => r.items[index]!.elapsedMs ?? 0)]);
rows.push(['VM total (boot + items)', column((r) => r.vmElapsedMs)]);
rows.push(['whole grade (builds included)', column((r) => r.elapsedMs)]);
rows.push(['score', reports.map((r) => r.total).join(', ')]);
console.log(`${runs} runs, kit ${kit}, ${reports[0]!.accel.toUpperCase()}; median (min-max) seconds\n`);
printTable(['step', 'seconds'], rows);
