import type { CommandResult } from '../guest/agent.js';
import { GUEST_MODULE_DIR } from '../guest/initramfs.js';
import { describeCrash, type CrashReport } from '../vm/crash.js';
import { kernelText } from '../vm/kernel-log.js';
import { reportKind } from '../vm/report-kinds.js';
import type { VmExit } from '../vm/vm.js';
import { consoleTail, crashEvidence, interrupted, itemKernelLog, lastLines, transcript } from './evidence.js';
import { judgeRun, parseCheckMsg } from './judge.js';
import type { GraderGuest, StepOutcome } from './grader-guest.js';
import { formatStuckTasks, stuckWhere } from './stuck.js';

/**
 * Per-step limits (milliseconds). Each is far above what a working module
 * needs, and below the course's 120 s, so a hang is reported at the step
 * that hangs. The overall deadline still applies to every step.
 */
/** A TCG boot to the agent takes 2-8 s here, more on a busy host. */
export const BOOT_TIMEOUT_MS = 60_000;
/**
 * insmod has no limit of its own, only the run's: an init that sleeps
 * passes on the course server as long as both loads fit in 120 s, and so
 * it must here. A hung init ends at the time limit, with its stack.
 */
export const INSMOD_TIMEOUT_MS = Number.POSITIVE_INFINITY;
/** A correct exit takes milliseconds; an rmmod still running after this is deadlocked. */
export const RMMOD_TIMEOUT_MS = 15_000;
/** Our checks take about a second under TCG; the course's check_fork has its own 30 s alarm. */
export const CHECK_TIMEOUT_MS = 40_000;
/** Listing /dev or reading /proc/kshram. */
export const PROBE_TIMEOUT_MS = 5_000;
/** After the time limit, how long the stuck task's stack may take to read: the run is over already. */
const DEADLINE_SCAN_MS = 3_000;
/** Reading the kernel's log through the agent (128 KiB at most). */
const DMESG_TIMEOUT_MS = 3_000;
/**
 * The console's log level while grading: everything, pr_info included.
 * Level 6 kept pr_info off the slow emulated UART, but then a module
 * spinning with interrupts off was never reported as an RCU stall (3 of 3
 * corpus runs: the quiet guest started no grace period, and the grader
 * waited for check_resize's 40 s limit); a flood is labelled as a flood
 * instead (report-kinds). Keeping pr_info off the UART needs another way to
 * keep RCU's stall detector armed.
 */
const GRADING_CONSOLE_LOGLEVEL = 7;
/** Console lines shown when QEMU exits or time runs out. */
const CONSOLE_TAIL_LINES = 25;

export interface ItemOutcome {
  pass: boolean;
  /** One line: what passed, or why it failed. */
  summary: string;
  /** Commands, their output, kernel messages. */
  evidence: string;
}

/** Thrown inside an item when the guest crashed, died, hung or ran out of time: the run ends. */
export class RunEnded extends Error {
  constructor(
    readonly summary: string,
    readonly evidence: string,
    readonly crash?: CrashReport,
  ) {
    super(summary);
  }
}

export interface ItemContext {
  session: GraderGuest;
  /** Set when kshram.c did not compile: item 3's verdict. */
  kshramBuildError?: { summary: string; evidence: string };
  /** Observations that do not change a verdict. */
  notes: string[];
  timeLimitMs: number;
}

type Step = () => Promise<ItemOutcome>;

const exitText = (exit: VmExit): string => (exit.signal ? `killed by signal ${exit.signal}` : `status ${exit.exitCode}`);
const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The eight items as steps over one guest session, in checklist order. */
export function itemSteps(context: ItemContext): Record<number, Step> {
  const { session, notes } = context;
  const vm = session.vm;
  /** Transcript of the current item. */
  const log: string[] = [];
  let item = 1;
  /** What unload test #1 left behind, to explain a reload that fails. */
  let leftovers: string[] = [];
  /** Kernel threads before the module was last loaded, to find the ones it started and left running. */
  let threadsBeforeLoad: Set<string> | undefined;

  /** Why a reload may fail: what unload test #1 left behind. */
  const reloadHint = (): string => (item === 5 && leftovers.length ? `; unload test #1 left ${leftovers.join(', ')} behind` : '');
  const section = (title: string, body: string): string => (body.trim() ? `--- ${title} ---\n${body.trimEnd()}` : '');
  const evidenceOf = (...parts: string[]): string => [...log, ...parts].filter(Boolean).join('\n');
  /** The item's kernel messages as the console showed them: a crash's, whose report is there in full. */
  const consoleKernelLog = (before?: string): string => section('kernel messages during this item', itemKernelLog(vm.console, item, before));
  /** The item's kernel messages from the kernel's own log, pr_info included, which the console leaves out while grading. */
  const kernelLog = async (): Promise<string> => {
    const dmesg = vm.running ? await vm.agent.run('dmesg', { timeoutMs: DMESG_TIMEOUT_MS }).catch(() => undefined) : undefined;
    return section('kernel messages during this item', itemKernelLog(dmesg?.status === 0 ? dmesg.output : vm.console, item));
  };

  /** Ends the run: a crash, QEMU exiting or the deadline during `command`. */
  const ended = async (command: string, outcome: Exclude<StepOutcome, { kind: 'done' }>): Promise<never> => {
    switch (outcome.kind) {
      case 'crash': {
        const { crash } = outcome;
        const summary = `${describeCrash(crash)} (during ${command})${reloadHint()}`;
        const firstLine = kernelText(crash.text.split('\n')[0]!);
        const what = reportKind(crash.kind).happened;
        throw new RunEnded(summary, evidenceOf(interrupted(command, outcome.output, what), crashEvidence(crash), consoleKernelLog(firstLine)), crash);
      }
      case 'exit':
        throw new RunEnded(
          `QEMU exited unexpectedly (${exitText(outcome.exit)}) during ${command}${outcome.exit.signal ? '' : ': the guest reset or powered off'}`,
          evidenceOf(interrupted(command, outcome.output, 'QEMU exited'), section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES))),
        );
      case 'deadline': {
        // the verdict is fixed; a moment more says where the step was stuck
        const tasks = command === '(boot)' ? [] : await session.stuckTasks(DEADLINE_SCAN_MS);
        const stuck = tasks.find((t) => t.name === command.split(' ')[0]) ?? tasks[0];
        const where = stuck && stuckWhere(stuck);
        throw new RunEnded(
          `The time limit of ${seconds(context.timeLimitMs)} (boot included) ran out during ${command}${stuck && where ? `: ${stuck.name} was in ${where}` : ''}`,
          evidenceOf(interrupted(command, outcome.output, 'stopped at the time limit'), section('still running', formatStuckTasks(tasks)), await kernelLog(), section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES))),
        );
      }
    }
  };

  /** A step that outlived its limit: the run ends with what the stuck process is doing. */
  const timedOut = async (command: string, result: CommandResult, limitMs: number): Promise<never> => {
    log.push(transcript(command, result, result.status === null ? 'SIGKILL had no effect' : 'killed'));
    const name = command.split(' ')[0]!;
    if (result.status !== null) {
      throw new RunEnded(`${command} did not finish within ${seconds(limitMs)} and was killed`, evidenceOf(await kernelLog()));
    }
    const tasks = await session.stuckTasks();
    const stuck = tasks.find((t) => t.name === name) ?? tasks[0];
    const where = stuck && stuckWhere(stuck);
    const summary = `${command} did not finish within ${seconds(limitMs)} and SIGKILL could not stop it: ${stuck ? `${stuck.name} is stuck in the kernel${where ? ` in ${where}` : ''}` : 'it is stuck in the kernel'}`;
    throw new RunEnded(summary, evidenceOf(section('stuck in the kernel', formatStuckTasks(tasks)), await kernelLog()));
  };

  /** Runs a command for the current item and records it; ends the run on crash, exit, deadline or hang. */
  const sh = async (command: string, limitMs: number, options: { quiet?: boolean; label?: string } = {}): Promise<CommandResult> => {
    const outcome = await session.exec(command, limitMs);
    // a probe's shell loop is no name for a step: its label is
    const name = options.label ?? command;
    if (outcome.kind !== 'done') return ended(name, outcome);
    if (outcome.result.timedOut) return timedOut(name, outcome.result, limitMs);
    if (!options.quiet) log.push(transcript(command, outcome.result));
    return outcome.result;
  };

  /** The item's outcome; a failure carries the kernel's messages of the item. */
  const finish = async (pass: boolean, summary: string): Promise<ItemOutcome> => {
    const evidence = pass ? evidenceOf() : evidenceOf(await kernelLog());
    log.length = 0;
    return { pass, summary, evidence };
  };

  const firstWords = (result: CommandResult): string => {
    const said = lastLines(result.output, 1).trim();
    return said ? `: ${said}` : '';
  };

  const devNodes = async (): Promise<Map<string, boolean>> => {
    const listing = await sh('for f in /dev/*; do [ -c "$f" ] && echo "c $f" || echo "- $f"; done', PROBE_TIMEOUT_MS, { quiet: true, label: 'ls /dev' });
    return new Map(listing.output.split('\n').filter((l) => l.length > 2).map((l) => [l.slice(2).trim(), l.startsWith('c ')]));
  };

  /**
   * Kernel threads as "PID name": the children of kthreadd (PID 2). Brackets
   * alone are not enough: busybox also brackets a user process whose command
   * line is not readable yet (a shell the agent is just starting). kworkers
   * are left out: they come and go on their own.
   */
  const kernelThreads = async (): Promise<Set<string>> => {
    const ps = await sh('ps -o pid,ppid,args', PROBE_TIMEOUT_MS, { quiet: true, label: 'ps' });
    const threads = ps.output
      .split('\n')
      .map((line) => /^\s*(\d+)\s+2\s+\[(.+)\]\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && !/^kworker\//.test(m[2]!))
      .map((m) => `${m[1]} ${m[2]}`);
    return new Set(threads);
  };

  const loadKshram = async (): Promise<ItemOutcome | undefined> => {
    threadsBeforeLoad = await kernelThreads();
    const before = await devNodes();
    const insmod = await sh(`insmod ${GUEST_MODULE_DIR}/kshram.ko`, INSMOD_TIMEOUT_MS);
    if (insmod.status !== 0) {
      return finish(false, `insmod kshram.ko failed (exit ${insmod.status})${firstWords(insmod)}${reloadHint()}`);
    }
    const after = await devNodes();
    const expected = Array.from({ length: 8 }, (_, i) => `/dev/kshram${i}`);
    const missing = expected.filter((path) => !after.has(path));
    const notChar = expected.filter((path) => after.get(path) === false);
    const appeared = [...after.keys()].filter((path) => !before.has(path) && !expected.includes(path));
    // the lab asks for exactly eight: a kshram8 is as wrong as a missing kshram7
    const extra = appeared.filter((path) => path.startsWith('/dev/kshram'));
    if (!missing.length && !notChar.length && !extra.length) return undefined;
    log.push(`--- /dev after insmod (kshram and new entries) ---\n${[...after.keys()].filter((p) => p.startsWith('/dev/kshram') || appeared.includes(p)).join('\n') || '(none)'}`);
    if (!missing.length && !notChar.length) return finish(false, `/dev/kshram0..7 appeared, and also ${extra.join(', ')}: the lab asks for exactly 8 devices`);
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.join(', ')}`);
    if (notChar.length) parts.push(`not character devices: ${notChar.join(', ')}`);
    if (appeared.length) parts.push(`new in /dev instead: ${appeared.join(', ')}`);
    return finish(false, `/dev/kshram0..7 did not all appear as character devices: ${parts.join('; ')}`);
  };

  const unload = async (which: string): Promise<ItemOutcome> => {
    const rmmod = await sh('rmmod kshram', RMMOD_TIMEOUT_MS);
    if (rmmod.status !== 0) return finish(false, `rmmod kshram failed (exit ${rmmod.status})${firstWords(rmmod)}: the module did not unload`);
    const probe = await sh('grep -c "^kshram " /proc/modules; grep -c " kshram$" /proc/devices; ls -d /dev/kshram* /proc/kshram /sys/class/kshram 2>/dev/null; true', PROBE_TIMEOUT_MS, { quiet: true, label: 'looking for what rmmod left' });
    const [loaded, regions, ...left] = probe.output.trim().split('\n').map((l) => l.trim());
    if (Number(loaded)) return finish(false, 'rmmod kshram returned 0 but the module is still loaded');
    const nodes = left.filter((p) => p.startsWith('/dev/'));
    const found: string[] = [];
    if (nodes.length) {
      found.push(nodes.length > 2 ? `${nodes.length} /dev/kshram* nodes` : nodes.join(', '));
      notes.push(`${which}: ${nodes.length} /dev/kshram* node(s) left after unload (device_destroy missing?)`);
    }
    if (left.includes('/proc/kshram')) {
      found.push('/proc/kshram');
      notes.push(`${which}: /proc/kshram left after unload (remove_proc_entry missing?)`);
    }
    if (left.includes('/sys/class/kshram')) {
      found.push('the kshram device class');
      notes.push(`${which}: the kshram device class left after unload (class_destroy missing?)`);
    }
    if (Number(regions)) {
      found.push('the kshram character device numbers');
      notes.push(`${which}: the kshram character device numbers are still registered in /proc/devices (unregister_chrdev_region missing?)`);
    }
    if (threadsBeforeLoad) {
      const before = threadsBeforeLoad;
      const running = [...(await kernelThreads())].filter((thread) => !before.has(thread)).map((thread) => thread.split(' ').slice(1).join(' '));
      // a thread the module started runs module code, which rmmod has just freed
      if (running.length) notes.push(`${which}: kernel thread(s) started while kshram was loaded still run after rmmod: ${running.join(', ')} (kthread_stop missing?)`);
    }
    if (item === 4) leftovers = found;
    return finish(true, 'kshram unloaded; the system is still running');
  };

  const check = async (name: string): Promise<{ pass: boolean; reason: string; output: string }> => {
    const result = await sh(name, CHECK_TIMEOUT_MS);
    return { ...judgeRun(name, result, CHECK_TIMEOUT_MS), output: result.output };
  };

  const procListing = async (): Promise<void> => {
    const proc = await sh('cat /proc/kshram', PROBE_TIMEOUT_MS, { quiet: true, label: 'cat /proc/kshram' });
    const lines = proc.output.trim().split('\n');
    const wellFormed = proc.status === 0 && lines.length === 8 && lines.every((l, i) => l.trim() === `${String(i).padStart(2, '0')}: 4096`);
    if (wellFormed) return;
    const got = proc.status === 0 ? `it reads ${JSON.stringify(lines.slice(0, 3).join(' | ').slice(0, 80))}` : `cat says ${JSON.stringify(lastLines(proc.output, 1).trim())}`;
    notes.push(`item 3: /proc/kshram does not list 8 slots of 4096 ("00: 4096" ... "07: 4096") right after loading: ${got}`);
  };

  return {
    1: async () => {
      const outcome = await session.boot(BOOT_TIMEOUT_MS);
      if (outcome.kind !== 'done') return ended('(boot)', outcome);
      if (outcome.result.status === 0) {
        const secs = ((Date.now() - vm.started) / 1000).toFixed(1);
        await sh(`echo ${GRADING_CONSOLE_LOGLEVEL} > /proc/sys/kernel/printk`, PROBE_TIMEOUT_MS, { quiet: true, label: 'console log level' });
        const summary = `Linux ${outcome.result.output || ''} booted to its shell in ${secs} s (${vm.accel.toUpperCase()})`.replace('  ', ' ');
        return { pass: true, summary, evidence: '' };
      }
      throw new RunEnded(`The guest did not come up within ${seconds(BOOT_TIMEOUT_MS)}`, section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES)));
    },
    2: async () => {
      item = 2;
      const insmod = await sh(`insmod ${GUEST_MODULE_DIR}/hello.ko`, INSMOD_TIMEOUT_MS);
      if (insmod.status !== 0) return finish(false, `insmod hello.ko failed (exit ${insmod.status})${firstWords(insmod)}`);
      const listed = await sh('grep "^hello " /proc/modules', PROBE_TIMEOUT_MS);
      return finish(listed.status === 0, listed.status === 0 ? 'hello.ko loaded' : 'insmod returned 0 but hello is not in /proc/modules');
    },
    3: async () => {
      item = 3;
      if (context.kshramBuildError) return { pass: false, ...context.kshramBuildError };
      const failed = await loadKshram();
      if (failed) return failed;
      await procListing();
      return finish(true, '/dev/kshram0..7 created');
    },
    4: async () => {
      item = 4;
      return unload('unload test #1');
    },
    5: async () => {
      item = 5;
      const failed = await loadKshram();
      if (failed) return failed;
      const first = await check('check_msg');
      if (!first.pass) return finish(false, first.reason);
      const second = await check('check_msg');
      if (!second.pass) return finish(false, `second run: ${second.reason}`);
      const a = parseCheckMsg(first.output);
      const b = parseCheckMsg(second.output);
      if (a.wrote !== undefined && b.read !== undefined && a.wrote !== b.read) {
        return finish(false, `the message did not persist: the first run wrote "${a.wrote}", the second read "${b.read}"`);
      }
      if (a.read !== undefined && a.read !== '') notes.push(`item 5: slot 0 was not empty after a fresh load (read "${a.read.slice(0, 40)}"); kzalloc zeroes it`);
      return finish(true, a.wrote !== undefined ? 'check_msg passed twice; the message persisted between runs' : 'check_msg passed twice');
    },
    6: async () => {
      item = 6;
      const result = await check('check_resize');
      return finish(result.pass, result.reason);
    },
    7: async () => {
      item = 7;
      const result = await check('check_fork');
      return finish(result.pass, result.reason);
    },
    8: async () => {
      item = 8;
      return unload('unload test #2');
    },
  };
}
