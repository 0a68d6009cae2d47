import type { CommandResult } from '../../agent/agent.js';
import { describeCrash } from '../../vm/crash.js';
import { kernelText } from '../../vm/kernel-log.js';
import { reportKind } from '../../vm/report-kinds.js';
import type { VmExit } from '../../vm/vm.js';
import { consoleTail, crashEvidence, interrupted, itemKernelLog, transcript } from '../evidence.js';
import type { GraderGuest, StepOutcome } from '../../guest-run/grader-guest.js';
import { formatFrozenCpus } from '../../guest-run/frozen.js';
import { formatStuckTasks, stuckStep } from '../../guest-run/stuck.js';
import { CONSOLE_TAIL_LINES } from './limits.js';
import { BootFailed, RunEnded, type ItemOutcome } from './outcome.js';
import { TIMEOUTS } from '../../timeouts.js';

export interface ShOptions {
  /** Left out of the transcript (a probe whose output is judged, not shown). */
  quiet?: boolean;
  /** The step's name in summaries when the command itself is no name (a probe's shell loop). */
  label?: string;
}

const exitText = (exit: VmExit): string => (exit.signal ? `killed by signal ${exit.signal}` : `status ${exit.exitCode}`);
/** The step name of waiting for the guest to come up, in evidence and summaries. */
export const BOOT_STEP = '(boot)';

export const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
export const section = (title: string, body: string): string => (body.trim() ? `--- ${title} ---\n${body.trimEnd()}` : '');

/**
 * One item's record: the commands it ran with their output, and its kernel
 * messages (those since the item's console marker). Runs the item's
 * commands, and ends the run with full evidence on a crash, QEMU exiting,
 * the deadline or a hang. The runner makes one per item.
 */
export class ItemRecorder {
  private readonly log: string[] = [];
  /** Appended to a crash's summary: what an earlier item explains about this one (see run-state.ts). */
  hint = '';

  constructor(
    private readonly session: GraderGuest,
    /** The item's checklist id: its kernel messages start at its marker. */
    readonly id: number,
    /** The run's time limit, named when it runs out. */
    private readonly timeLimitMs: number,
  ) {}

  /** Adds a block (a listing the grader made) to the item's evidence. */
  record(text: string): void {
    this.log.push(text);
  }

  /** Runs a command for the item and records it; ends the run on crash, exit, deadline or hang. */
  async sh(command: string, limitMs: number, options: ShOptions = {}): Promise<CommandResult> {
    const outcome = await this.session.exec(command, limitMs);
    const name = options.label ?? command;
    if (outcome.kind !== 'done') return this.ended(name, outcome);
    if (outcome.result.timedOut) return this.timedOut(name, outcome.result, limitMs);
    if (!options.quiet) this.log.push(transcript(command, outcome.result));
    return outcome.result;
  }

  /** The item's outcome; a failure carries the kernel's messages of the item. */
  async finish(pass: boolean, summary: string): Promise<ItemOutcome> {
    const evidence = pass ? this.evidenceOf() : this.evidenceOf(await this.kernelLog());
    return { pass, summary, evidence };
  }

  /** Ends the run: a crash, QEMU exiting or the deadline during `command`. */
  async ended(command: string, outcome: Exclude<StepOutcome, { kind: 'done' }>): Promise<never> {
    const { vm } = this.session;
    switch (outcome.kind) {
      case 'crash': {
        const { crash } = outcome;
        const summary = `${describeCrash(crash)} (during ${command})${this.hint}`;
        const firstLine = kernelText(crash.text.split('\n')[0]!);
        const what = reportKind(crash.kind).happened;
        // a crash while booting has no item marker to start the kernel's log from: the console's last lines say what led to it
        const before = command === BOOT_STEP ? section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES)) : this.consoleKernelLog(firstLine);
        throw new (command === BOOT_STEP ? BootFailed : RunEnded)(summary, this.evidenceOf(interrupted(command, outcome.output, what), crashEvidence(crash), before), crash);
      }
      case 'exit':
        throw new (command === BOOT_STEP ? BootFailed : RunEnded)(
          `QEMU exited unexpectedly (${exitText(outcome.exit)}) during ${command}${outcome.exit.signal ? '' : ': the guest reset or powered off'}`,
          this.evidenceOf(interrupted(command, outcome.output, 'QEMU exited'), section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES))),
        );
      case 'deadline': {
        // the verdict is fixed; a moment more says where the step was stuck
        const tasks = command === BOOT_STEP ? [] : await this.session.stuckTasks(TIMEOUTS.deadlineScanMs);
        const stuck = stuckStep(tasks, command);
        throw new RunEnded(
          `The time limit of ${seconds(this.timeLimitMs)} (boot included) ran out during ${command}${stuck?.where ? `: ${stuck.task.name} was in ${stuck.where}` : ''}`,
          this.evidenceOf(interrupted(command, outcome.output, 'stopped at the time limit'), section('still running', formatStuckTasks(tasks)), await this.kernelLog(), section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES))),
          undefined,
          stuck?.at,
        );
      }
    }
  }

  /** A step that outlived its limit: the run ends with what the stuck process is doing. */
  private async timedOut(command: string, result: CommandResult, limitMs: number): Promise<never> {
    this.log.push(transcript(command, result, result.status === null ? 'SIGKILL had no effect' : 'killed'));
    if (result.status !== null) {
      throw new RunEnded(`${command} did not finish within ${seconds(limitMs)} and was killed`, this.evidenceOf(await this.kernelLog()));
    }
    const tasks = await this.session.stuckTasks();
    const stuck = stuckStep(tasks, command);
    const limit = `${command} did not finish within ${seconds(limitMs)}`;
    if (!stuck) {
      // the guest did not answer the scan: only QEMU can still say where its CPUs are
      const cpus = await this.session.frozenCpus();
      const spinning = cpus.find((c) => c.inModule && !c.halted);
      const at = spinning ? `: CPU ${spinning.cpu} is at ${spinning.where}${spinning.interruptsOn ? '' : ' with interrupts off'}` : '';
      throw new RunEnded(
        `${limit} and the guest stopped answering${at}`,
        this.evidenceOf(section('CPUs (as QEMU sees them)', formatFrozenCpus(cpus)), await this.kernelLog()),
        undefined,
        spinning && { frame: spinning.where, exact: true },
      );
    }
    const summary = `${limit} and SIGKILL could not stop it: ${stuck.task.name} is stuck in the kernel${stuck.where ? ` in ${stuck.where}` : ''}`;
    throw new RunEnded(summary, this.evidenceOf(section('stuck in the kernel', formatStuckTasks(tasks)), await this.kernelLog()), undefined, stuck.at);
  }

  private evidenceOf(...parts: string[]): string {
    return [...this.log, ...parts].filter(Boolean).join('\n');
  }

  /** The item's kernel messages as the console showed them: a crash's, whose report is there in full. */
  private consoleKernelLog(before?: string): string {
    return section('kernel messages during this item', itemKernelLog(this.session.vm.console, this.id, before));
  }

  /** The item's kernel messages from the kernel's own log, pr_info included, which the console leaves out while grading. */
  private async kernelLog(): Promise<string> {
    const { vm } = this.session;
    const dmesg = vm.running ? await vm.agent.run('dmesg', { timeoutMs: TIMEOUTS.dmesgMs }).catch(() => undefined) : undefined;
    return section('kernel messages during this item', itemKernelLog(dmesg?.status === 0 ? dmesg.output : vm.console, this.id));
  }
}
