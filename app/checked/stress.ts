import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bootGuest, type BootedGuest } from '../boot/boot-guest.js';
import { resolveEnvironment, type Environment } from '../boot/environment.js';
import type { ToolchainPreference } from '../build/select.js';
import { LabError } from '../errors.js';
import { DisposableStore } from '../events.js';
import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { GraderGuest, type StepOutcome } from '../guest-run/grader-guest.js';
import { DEFAULT_KIT, kitDir } from '../kit/kit.js';
import type { AccelPreference } from '../vm/accel.js';
import { describeCrash } from '../vm/crash.js';
import { bootProfile } from '../vm/profile.js';
import type { CheckedFinding } from './findings.js';
import { checkedResult } from './grade.js';

/**
 * The stress run: the module loaded once, module/checks/kshram_stress
 * hammering every slot from several processes for a while, the module
 * unloaded, and (checked) every checker report and leak collected. Clean
 * means the program found every byte it knew, nothing crashed, rmmod
 * worked and no checker said anything.
 */

/** The kit a stress run (and npm test) uses unless told: the debug kit when installed. */
export const DEBUG_KIT = 'debian-6.1-debug';
export const DEFAULT_STRESS_SECONDS = 20;
export const DEFAULT_STRESS_PROCS = 4;
/** Not graded, so generous: a checking kernel on a busy host boots slowly. */
const STRESS_BOOT_TIMEOUT_MS = 180_000;
/** insmod, rmmod and the kmemleak scan, each well under this even under TCG. */
const MODULE_STEP_TIMEOUT_MS = 60_000;
/** kshram_stress stops on its own after its seconds; this covers its last operation and final check. */
const STRESS_GRACE_MS = 60_000;

export interface StressOptions {
  kit?: string;
  seconds?: number;
  procs?: number;
  seed?: number;
  /** Check with the kernel's checkers (stock: slub_debug, page_poison); a debug kit always checks. */
  checked?: boolean;
  accel?: AccelPreference;
  toolchain?: ToolchainPreference;
  signal?: AbortSignal;
  onStage?: (detail: string) => void;
  onConsoleData?: (text: string) => void;
}

export interface StressReport {
  kit: string;
  kernelRelease: string;
  checked: boolean;
  checkers: string[];
  seconds: number;
  procs: number;
  seed: number;
  /** Nothing wrong: the program passed, the module unloaded, no crash and no finding. */
  clean: boolean;
  /** One line: what happened. */
  summary: string;
  /** kshram_stress's output. */
  output: string;
  findings: CheckedFinding[];
  crash?: string;
  elapsedMs: number;
}

/** The debug kit when it is installed, else the default kit. */
export function defaultStressKit(): string {
  return existsSync(join(kitDir(DEBUG_KIT), 'kit.json')) ? DEBUG_KIT : DEFAULT_KIT;
}

export async function runStress(workspaceDir: string, options: StressOptions = {}): Promise<StressReport> {
  const started = Date.now();
  const seconds = options.seconds ?? DEFAULT_STRESS_SECONDS;
  const procs = options.procs ?? DEFAULT_STRESS_PROCS;
  const seed = options.seed ?? (Date.now() % 0x7fffffff) + 1;
  for (const [name, value] of [['seconds', seconds], ['procs', procs], ['seed', seed]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new LabError('BAD_ARGUMENT', `--${name} must be a positive whole number, not ${value}.`);
  }
  const env: Environment = await resolveEnvironment({ kit: options.kit ?? defaultStressKit(), accel: options.accel, toolchain: options.toolchain });
  const { kit, toolchain, accel } = env;
  const profile = bootProfile(kit, { checked: options.checked !== false });
  const { checked } = profile;
  let booted: BootedGuest | undefined;
  const disposables = new DisposableStore();
  const base = { kit: kit.name, kernelRelease: kit.kernelRelease, checked, checkers: [] as string[], seconds, procs, seed };
  try {
    options.onStage?.(`building with the ${toolchain.name} toolchain for ${kit.name}`);
    booted = await bootGuest(env, { dir: workspaceDir }, {
      signal: options.signal,
      profile,
      onBuilt: (built) => {
        if (!built.kshram.ok) {
          throw new LabError('BUILD_FAILED', `kshram.c does not compile:\n${built.kshram.log.trim().split('\n').slice(-10).join('\n')}`, 'Fix the build first: kshram-lab grade shows the errors.');
        }
        options.onStage?.(`booting Linux ${kit.kernelRelease} (${accel.accel}${checked ? ', checked' : ''})`);
      },
    });
    const { vm, symbols } = booted;
    if (options.onConsoleData) disposables.add(vm.onConsoleData(options.onConsoleData));
    const session = disposables.add(new GraderGuest(vm, Date.now() + STRESS_BOOT_TIMEOUT_MS + seconds * 1000 + STRESS_GRACE_MS + 3 * MODULE_STEP_TIMEOUT_MS, {}, { checked }));
    const finish = async (summary: string, output: string, outcome?: StepOutcome): Promise<StressReport> => {
      const crash = outcome?.kind === 'crash' ? describeCrash(outcome.crash) : undefined;
      const result = checked ? await checkedResult(session, kit, symbols) : { checkers: [], findings: [] };
      const clean = !outcome && result.findings.length === 0;
      const found = result.findings.length ? `; ${result.findings.length} checker finding${result.findings.length > 1 ? 's' : ''}` : '';
      return { ...base, checkers: result.checkers, clean, summary: `${crash ?? summary}${found}`, output, findings: result.findings, ...(crash ? { crash } : {}), elapsedMs: Date.now() - started };
    };
    const failed = (what: string, outcome: StepOutcome): string =>
      outcome.kind === 'done' ? `${what} failed (exit ${outcome.result.status})` : outcome.kind === 'exit' ? `QEMU exited during ${what}` : outcome.kind === 'deadline' ? `${what} did not finish in time` : `${what} crashed the kernel`;

    const up = await session.boot(STRESS_BOOT_TIMEOUT_MS);
    if (up.kind !== 'done' || up.result.timedOut) return await finish(`the guest did not come up within ${STRESS_BOOT_TIMEOUT_MS / 1000} s`, '', up.kind === 'done' ? { kind: 'deadline', output: '' } : up);
    options.onStage?.(`kshram_stress: ${procs} processes for ${seconds} s (seed ${seed})`);
    const insmod = await session.exec(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, MODULE_STEP_TIMEOUT_MS);
    if (insmod.kind !== 'done' || insmod.result.status !== 0) return await finish(failed('insmod kshram.ko', insmod), '', insmod);
    const stress = await session.exec(`kshram_stress -p ${procs} -s ${seconds} -r ${seed}`, seconds * 1000 + STRESS_GRACE_MS);
    if (stress.kind !== 'done') return await finish(failed('kshram_stress', stress), stress.output, stress);
    const output = stress.result.output.replace(/\r/g, '').trim();
    if (stress.result.status !== 0) return await finish(output.split('\n').find((l) => l.startsWith('FAILED')) ?? failed('kshram_stress', stress), output, stress);
    const rmmod = await session.exec('rmmod kshram', MODULE_STEP_TIMEOUT_MS);
    if (rmmod.kind !== 'done' || rmmod.result.status !== 0) return await finish(failed('rmmod kshram', rmmod), output, rmmod);
    return await finish(output.split('\n').at(-1) ?? 'kshram_stress passed', output);
  } finally {
    disposables.dispose();
    await booted?.dispose();
  }
}
