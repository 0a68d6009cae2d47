/**
 * npm run bench: the speed goals, one row each, in one table.
 *   npx tsx bench/all.ts [runs] [kit]     (BENCH_BATCH=N submissions in the batch row, 30 by default; 0 skips it)
 * Every row is measured the way a student meets it: a fresh build
 * directory per module build, a cold boot of a fresh VM per run.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModule } from '../app/build/module.js';
import { gradeBatch } from '../app/grade/batch.js';
import { gradeSubmission } from '../app/grade/runner.js';
import { buildGuest, startGuest } from '../app/boot/boot-guest.js';
import { resolveEnvironment } from '../app/boot/environment.js';
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { moduleDir } from '../app/paths.js';
import { InteractiveGuest } from '../app/session/interactive.js';
import { median, printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

/** Give-up bounds, far above any healthy run. */
const BOOT_TIMEOUT_MS = 90_000;
const INTERACTIVE_TIMEOUT_MS = 120_000;
const BATCH_JOBS = 2;

const runs = Number(process.argv[2] ?? 5);
const kitName = process.argv[3] ?? DEFAULT_KIT;
const batchSize = Number(process.env.BENCH_BATCH ?? 30);
// the boot path's environment and its two stages (build once, then boots of it)
const env = await resolveEnvironment({ kit: kitName });
const { kit, toolchain, accel } = env;
const work = await mkdtemp(join(tmpdir(), 'kshram-bench-'));

async function times(label: string, once: (i: number) => Promise<number>): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await once(i));
  process.stderr.write(`${label}: ${values.map(seconds).join(' ')}\n`);
  return values;
}

const rows: string[][] = [];
const row = (what: string, goalS: number, values: number[], note = ''): void => {
  const mid = median(values);
  rows.push([what, `≤ ${goalS}`, seconds(mid), `${seconds(Math.min(...values))}-${seconds(Math.max(...values))}`, String(values.length), mid <= goalS * 1000 ? 'yes' : 'no', note]);
};

try {
  // a grade first, so every cache (check programs, hello.ko, PVH kernel) is warm
  await gradeSubmission(moduleDir, { kit: kitName });

  const build = await times('module build', async (i) => {
    const result = await buildModule({ dir: moduleDir, name: 'kshram' }, { kit, toolchain, workDir: join(work, `build-${i}`) });
    if (!result.ok) throw new Error(`the reference did not build:\n${result.log}`);
    return result.elapsedMs;
  });
  row('module rebuild after an edit (kbuild of kshram.c)', 1.5, build);

  const guest = await buildGuest(env, { dir: moduleDir }, join(work, 'guest'));
  const boot = await times('boot', async () => {
    const started = Date.now();
    const vm = await startGuest(env, guest);
    try {
      await vm.agent.waitReady(BOOT_TIMEOUT_MS);
      return Date.now() - started;
    } finally {
      await vm.stop();
    }
  });
  row('boot to agent ready', 1.5, boot);

  const interactive = await times('interactive boot', async () => {
    const started = Date.now();
    let loadedAt = 0;
    let failed = '';
    const session = new InteractiveGuest({
      kitName, workspaceDir: moduleDir, cols: 80, rows: 24, loadModule: true,
      onStatus: (status) => {
        if (status.moduleLoaded && !loadedAt) loadedAt = Date.now();
        if (status.error || status.phase === 'crashed') failed = status.message;
      },
      onBuilt: () => {}, onConsoleData: () => {}, onVmStarted: () => {}, onBanner: () => {},
    });
    try {
      const until = Date.now() + INTERACTIVE_TIMEOUT_MS;
      await session.start();
      while (!loadedAt && !failed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      if (!loadedAt) throw new Error(`the interactive guest did not load kshram.ko: ${failed || 'timed out'}`);
      return loadedAt - started;
    } finally {
      await session.stop();
    }
  });
  row('Boot button to a shell with kshram.ko loaded', 3, interactive);

  const grades = [];
  for (let i = 0; i < runs; i++) grades.push(await gradeSubmission(moduleDir, { kit: kitName }));
  process.stderr.write(`whole grade: ${grades.map((g) => seconds(g.elapsedMs)).join(' ')} (VM ${grades.map((g) => seconds(g.vmElapsedMs)).join(' ')})\n`);
  if (grades.some((g) => g.total !== 100)) throw new Error(`the reference scored ${grades.map((g) => g.total).join(', ')}`);
  row('whole grade, builds included', 5, grades.map((g) => g.elapsedMs), `VM part ${seconds(median(grades.map((g) => g.vmElapsedMs)))} s`);

  if (batchSize > 0) {
    const inputs: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      const dir = join(work, 'batch', `student${String(i).padStart(2, '0')}`);
      await mkdir(dir, { recursive: true });
      for (const file of ['kshram.c', 'kshram.h']) await copyFile(join(moduleDir, file), join(dir, file));
      inputs.push(dir);
    }
    const batch = await gradeBatch(inputs, { kit: kitName, jobs: BATCH_JOBS });
    const scores = new Set(batch.entries.map((e) => e.total));
    const perGrade = median(batch.entries.map((e) => e.elapsedMs));
    rows.push([`batch of ${batchSize} with --jobs ${BATCH_JOBS}`, batchSize === 30 ? '≤ 120' : '-', seconds(batch.elapsedMs), '-', '1', batchSize === 30 ? (batch.elapsedMs <= 120_000 ? 'yes' : 'no') : '-', `scores ${[...scores].join(',')}; ${seconds(perGrade)} s per grade`]);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

console.log(`kit ${kit.name} (Linux ${kit.kernelRelease}), ${accel.accel.toUpperCase()}, ${toolchain.name} toolchain, ${runs} runs per row; seconds\n`);
printTable(['what', 'goal s', 'median s', 'min-max s', 'runs', 'met', 'note'], rows);
