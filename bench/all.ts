/**
 * npm run bench: the speed goals (issue 20), one row each, in one table.
 *   npx tsx bench/all.ts [runs] [kit]
 *   BENCH_ROWS=rebuild,boot,cli,workbench,grade,batch picks rows (all by default), so the
 *   bench can run in parts that each hold the VM queue briefly; BENCH_BATCH=N submissions
 *   in the batch row (30 by default).
 * Every row is measured after an edit of kshram.c (a new comment each run), so no
 * cache can answer for the student's module; where a row can boot either way, the
 * pristine-snapshot figure is the row's and the cold boot's median is beside it.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModule } from '../app/build/module.js';
import { gradeBatch } from '../app/grade/batch.js';
import { gradeSubmission } from '../app/grade/runner.js';
import { buildGuest, startGuest } from '../app/boot/boot-guest.js';
import { resolveEnvironment } from '../app/boot/environment.js';
import { startPristine } from '../app/boot/pristine.js';
import { snapshotPlan, SnapshotStore } from '../app/boot/snapshot-store.js';
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { moduleDir, projectRoot } from '../app/paths.js';
import { killGroup } from '../app/process.js';
import { InteractiveGuest } from '../app/session/interactive.js';
import { bootProfile } from '../app/vm/profile.js';
import { median, printTable, seconds } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

/** Give-up bounds, far above any healthy run. */
const BOOT_TIMEOUT_MS = 90_000;
const INTERACTIVE_TIMEOUT_MS = 120_000;
const BATCH_JOBS = 2;
const CLI = join(projectRoot, 'bin', 'kshram-lab.js');
const ALL_ROWS = ['rebuild', 'boot', 'cli', 'workbench', 'grade', 'batch'];

const runs = Number(process.argv[2] ?? 5);
const kitName = process.argv[3] ?? DEFAULT_KIT;
const batchSize = Number(process.env.BENCH_BATCH ?? 30);
const wanted = new Set((process.env.BENCH_ROWS ?? ALL_ROWS.join(',')).split(','));
const env = await resolveEnvironment({ kit: kitName });
const { kit, toolchain, accel } = env;
const work = await mkdtemp(join(tmpdir(), 'kshram-bench-'));
const loads: number[] = [];
const sampleLoad = (): void => void loads.push(loadavg()[0]!);
const loadTimer = setInterval(sampleLoad, 5_000);

/** The student's folder: the reference module, edited before each run. */
const workspace = join(work, 'workspace');
await mkdir(workspace);
await copyFile(join(moduleDir, 'kshram.h'), join(workspace, 'kshram.h'));
const reference = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
let edits = 0;
const edit = (): Promise<void> => writeFile(join(workspace, 'kshram.c'), `${reference}/* bench edit ${++edits} */\n`);

async function times(label: string, once: (i: number) => Promise<number>, count = runs): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    await edit();
    values.push(await once(i));
  }
  process.stderr.write(`${label}: ${values.map(seconds).join(' ')}\n`);
  return values;
}

const rows: string[][] = [];
const row = (what: string, goalS: number | undefined, values: number[], cold?: number[], note = ''): void => {
  const mid = median(values);
  const met = goalS === undefined ? '-' : mid <= goalS * 1000 ? 'yes' : 'no';
  rows.push([what, goalS === undefined ? '-' : `≤ ${goalS}`, seconds(mid), `${seconds(Math.min(...values))}-${seconds(Math.max(...values))}`, String(values.length), met, cold ? seconds(median(cold)) : '-', note]);
};

/** `kshram-lab boot` from its start until the shell answers with kshram.ko inserted. */
async function cliBoot(coldBoot: boolean): Promise<number> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'boot', workspace, ...(coldBoot ? ['--cold-boot'] : [])], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const waitFor = async (pattern: RegExp, from = 0): Promise<void> => {
    const until = Date.now() + BOOT_TIMEOUT_MS;
    while (!pattern.test(output.slice(from))) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`kshram-lab boot: no ${pattern} in:\n${output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await waitFor(/kshram:\/root# /);
    const mark = output.length;
    child.stdin.write('insmod /lib/kshram/kshram.ko && echo inserted-$((40 + 2))\r');
    await waitFor(/inserted-42/, mark);
    const elapsed = Date.now() - started;
    child.stdin.write('\x1d');
    await new Promise((r) => child.once('exit', r));
    return elapsed;
  } finally {
    if (child.exitCode === null) killGroup(child.pid);
  }
}

try {
  // a grade first, so every cache (check programs, hello.ko, PVH kernel, the snapshot, the rebuild recipe) is warm
  await gradeSubmission(moduleDir, { kit: kitName });
  sampleLoad();

  if (wanted.has('rebuild')) {
    const build = (replay: boolean) => async (i: number) => {
      const result = await buildModule({ dir: workspace, name: 'kshram' }, { kit, toolchain, replay, workDir: join(work, `build-${replay ? 'r' : 'k'}${i}`) });
      if (!result.ok || result.replayed !== replay) throw new Error(`the reference did not build${replay ? ' by replay' : ''}:\n${result.log}`);
      return result.elapsedMs;
    };
    const kbuild = await times('rebuild (kbuild)', build(false));
    const replay = await times('rebuild (replay)', build(true));
    row('rebuild after an edit (replay of the recorded commands)', 1.0, replay);
    row('rebuild after an edit (full kbuild, before)', undefined, kbuild);
  }

  if (wanted.has('boot')) {
    const guest = await buildGuest(env, { dir: workspace }, join(work, 'guest'));
    const profile = bootProfile(kit);
    const plan = await snapshotPlan(env, guest.initramfs, profile);
    // cold boots that each make a snapshot in a store of their own: boot, save time and size
    const saves: number[] = [];
    const sizes: number[] = [];
    let store: SnapshotStore | undefined;
    const cold = await times('cold boot to agent (making a snapshot)', async (i) => {
      store = new SnapshotStore(join(work, `snapshots-${i}`));
      const started = Date.now();
      const begun = await startPristine(env, { initramfs: guest.initramfs, profile, store });
      try {
        await begun.vm.agent.waitReady(BOOT_TIMEOUT_MS);
        const elapsed = Date.now() - started;
        await begun.saveWhenReady(BOOT_TIMEOUT_MS);
        const made = await store.find(plan.key);
        if (!made) throw new Error(`no snapshot was made: ${begun.boot.notes.join('; ')}`);
        saves.push(made.meta.saveMs);
        sizes.push(made.meta.stateBytes);
        return elapsed;
      } finally {
        await begun.vm.stop();
      }
    });
    const restored = await times('restore to agent (clock and entropy renewed)', async () => {
      const started = Date.now();
      const begun = await startPristine(env, { initramfs: guest.initramfs, profile, store: store! });
      try {
        if (begun.boot.start !== 'snapshot') throw new Error(`the guest booted cold: ${begun.boot.notes.join('; ')}`);
        return Date.now() - started;
      } finally {
        await begun.vm.stop();
      }
    });
    // the plain cold boot, as --cold-boot starts it (no snapshot made)
    const plain = await times('cold boot to agent (--cold-boot)', async () => {
      const started = Date.now();
      const vm = await startGuest(env, guest, { profile: bootProfile(kit, { coldBoot: true }) });
      try {
        await vm.agent.waitReady(BOOT_TIMEOUT_MS);
        return Date.now() - started;
      } finally {
        await vm.stop();
      }
    });
    row('boot to agent (snapshot restore)', 0.4, restored, plain, `making a snapshot's cold boot ${seconds(median(cold))} s`);
    row('snapshot save (QMP migrate to file)', undefined, saves, undefined, `${(median(sizes) / 1e6).toFixed(1)} MB`);
  }

  if (wanted.has('cli')) {
    const restored = await times('kshram-lab boot (snapshot)', () => cliBoot(false));
    const cold = await times('kshram-lab boot --cold-boot', () => cliBoot(true));
    row('`kshram-lab boot` to a shell with kshram.ko inserted', 2.0, restored, cold);
  }

  if (wanted.has('workbench')) {
    const interactive = await times('workbench boot', async () => {
      const started = Date.now();
      let loadedAt = 0;
      let failed = '';
      const session = new InteractiveGuest({
        kitName, workspaceDir: workspace, cols: 80, rows: 24, loadModule: true,
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
    row('workbench Boot to a shell with kshram.ko loaded', 1.5, interactive);
  }

  if (wanted.has('grade')) {
    const grade = (coldBoot: boolean) => async () => {
      const report = await gradeSubmission(workspace, { kit: kitName, coldBoot });
      if (report.total !== 100) throw new Error(`the reference scored ${report.total}`);
      if (report.boot.start !== (coldBoot ? 'cold' : 'snapshot')) throw new Error(`the grade's guest started ${report.boot.start}`);
      vmParts.push(report.vmElapsedMs);
      return report.elapsedMs;
    };
    const vmParts: number[] = [];
    const restored = await times('whole grade (snapshot)', grade(false));
    const restoredVm = vmParts.splice(0);
    const cold = await times('whole grade (--cold-boot)', grade(true));
    row('full grade (build + guest + 8 items)', 2.5, restored, cold, `VM part ${seconds(median(restoredVm))} s (cold ${seconds(median(vmParts))} s)`);
  }

  if (wanted.has('batch') && batchSize > 0) {
    const inputs: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      const dir = join(work, 'batch', `student${String(i).padStart(2, '0')}`);
      await mkdir(dir, { recursive: true });
      await copyFile(join(moduleDir, 'kshram.h'), join(dir, 'kshram.h'));
      // each its own source, as a class's are
      await writeFile(join(dir, 'kshram.c'), `${reference}/* student ${i} */\n`);
      inputs.push(dir);
    }
    const batch = await gradeBatch(inputs, { kit: kitName, jobs: BATCH_JOBS });
    const scores = new Set(batch.entries.map((e) => e.total));
    const perGrade = median(batch.entries.map((e) => e.elapsedMs));
    rows.push([`batch of ${batchSize} with --jobs ${BATCH_JOBS}`, batchSize === 30 ? '≤ 60' : '-', seconds(batch.elapsedMs), '-', '1', batchSize === 30 ? (batch.elapsedMs <= 60_000 ? 'yes' : 'no') : '-', '-', `scores ${[...scores].join(',')}; ${seconds(perGrade)} s per grade`]);
  }
} finally {
  clearInterval(loadTimer);
  await rm(work, { recursive: true, force: true });
}

sampleLoad();
console.log(`kit ${kit.name} (Linux ${kit.kernelRelease}), ${accel.accel.toUpperCase()}, ${toolchain.name} toolchain, ${runs} runs per row; seconds; load average (1 min) ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} while it ran\n`);
printTable(['what', 'goal s', 'median s', 'min-max s', 'runs', 'met', 'cold boot median s', 'note'], rows);
