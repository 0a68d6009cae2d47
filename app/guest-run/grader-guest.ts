import type { CommandResult } from '../agent/agent.js';
import { DisposableStore, type Disposable } from '../events.js';
import { TIMEOUTS, withTimeout } from '../timeouts.js';
import { LabError } from '../errors.js';
import type { CrashReport } from '../vm/crash.js';
import type { Vm, VmExit } from '../vm/vm.js';
import { kernelLogLine, markerOnConsole, syncMarker } from './console-markers.js';
import { readModuleSections } from '../symbols/sections.js';
import { nameCpus, type FrozenCpu, type LoadedModule } from './frozen.js';
import { CPU_BACKTRACE, parseCpuBacktraces, parseStuckScan, STUCK_SCAN, type StuckTask } from './stuck.js';

/**
 * How a step in the guest ended. Every kind but `done` carries what the
 * command had printed so far, so a crash never hides the step's output.
 */
export type StepOutcome =
  | { kind: 'done'; result: CommandResult }
  | { kind: 'crash'; crash: CrashReport; output: string }
  | { kind: 'exit'; exit: VmExit; output: string }
  | { kind: 'deadline'; output: string };

/** How often a crash report still arriving is looked at again (TIMEOUTS.crashSettleMs in all). */
const CRASH_POLL_MS = 50;
/**
 * How often a long step gets a short-lived process beside it. RCU's stall
 * detector only times a grace period in progress, and an idle guest may
 * start none once a CPU stops taking interrupts: a module spinning with
 * interrupts off then went unreported until the step's limit (2 of 4 runs
 * under load). A process that exits queues an RCU callback, which starts a
 * grace period, so the stall is reported ~21 s after the next kick.
 */
const GRACE_PERIOD_KICK_MS = 4_000;

/**
 * A checked guest's insmod (/sbin/insmod, resources/guest/insmod-checked)
 * logs where the module's code was loaded, which names kmemleak's call
 * sites once the module is gone. Debian's busybox shell runs its own
 * applet for a bare `insmod` whatever PATH says: the path has to be given.
 */
export function checkedCommand(command: string): string {
  return command.replace(/^insmod /, '/sbin/insmod ');
}

/**
 * Runs the grader's commands in a guest, racing each against a kernel
 * crash, QEMU exiting and the overall deadline, so a broken module ends
 * the run at once instead of at a timeout.
 */
export class GraderGuest implements Disposable {
  private readonly subscriptions = new DisposableStore();
  private readonly crashed: Promise<CrashReport>;
  private readonly exited: Promise<VmExit>;
  private markers = 0;
  private readonly loaded = new Map<string, LoadedModule>();

  constructor(
    readonly vm: Vm,
    private readonly deadline: number,
    /** The host's copy of each module the guest may load ("kshram" -> its .ko), to name frozen CPUs' addresses. */
    private readonly koPaths: Readonly<Record<string, string | undefined>> = {},
    /**
     * checked: the guest's insmod logs module sections (see checkedCommand).
     * timeScale: every step's limit times this, for a kernel that much
     * slower than the course's (a debug kit); the run's deadline still holds.
     */
    private readonly options: { checked?: boolean; timeScale?: number } = {},
  ) {
    this.crashed = new Promise((resolve) => {
      if (vm.crashes.crash) resolve(vm.crashes.crash);
      this.subscriptions.add(vm.onCrash(resolve));
    });
    this.exited = vm.waitExit();
  }

  /** Stops listening to the VM (which lives on: its owner ends it). */
  dispose(): void {
    this.subscriptions.dispose();
  }

  private get timeScale(): number {
    return this.options.timeScale ?? 1;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  /**
   * Remembers where the guest put a module that just loaded, read in the
   * background (nothing waits for it): if the guest freezes later, QEMU's
   * registers are all there is, and they are only addresses.
   */
  moduleLoaded(name: string): void {
    const koPath = this.koPaths[name];
    if (!koPath) return;
    this.loaded.set(name, { name, koPath, sections: readModuleSections(this.vm.agent, name).catch(() => undefined) });
  }

  /** Where each vCPU is, from QEMU: for a guest that no longer answers its agent. */
  async frozenCpus(): Promise<FrozenCpu[]> {
    if (!this.vm.running) return [];
    const states = await this.vm.cpuStates().catch(() => []);
    return nameCpus(states, [...this.loaded.values()]);
  }

  /** Waits for the guest's agent; the result's output is the kernel release. */
  async boot(timeoutMs: number): Promise<StepOutcome> {
    const started = Date.now();
    const ready = this.vm.agent.waitReady(Math.max(1, Math.min(timeoutMs * this.timeScale, this.remainingMs()))).then(
      (release): StepOutcome => ({ kind: 'done', result: { status: 0, output: release, timedOut: false, elapsedMs: Date.now() - started } }),
      async (err: unknown): Promise<StepOutcome> => {
        // the agent's port closed: QEMU exited while booting, report the exit with its status
        if (err instanceof LabError && err.code === 'AGENT_GONE') return { kind: 'exit', exit: await this.exitInfo(), output: '' };
        return this.remainingMs() <= 0 ? { kind: 'deadline', output: '' } : { kind: 'done', result: { status: null, output: '', timedOut: true, elapsedMs: Date.now() - started } };
      },
    );
    return this.settle(await this.race(ready, () => ''));
  }

  /**
   * Runs a shell command in the guest. A command that finishes is followed
   * by a console barrier, so an Oops it caused is seen before it is judged.
   */
  async exec(command: string, timeoutMs: number, onOutput?: (text: string) => void): Promise<StepOutcome> {
    let partial = '';
    const budget = Math.min(timeoutMs * this.timeScale, this.remainingMs());
    if (budget <= 0) return { kind: 'deadline', output: '' };
    const collect = (text: string): void => {
      partial += text;
      onOutput?.(text);
    };
    const run = this.vm.agent.run(this.options.checked ? checkedCommand(command) : command, { timeoutMs: budget, onOutput: collect }).then(
      (result): StepOutcome => (result.timedOut && this.remainingMs() <= 0 ? { kind: 'deadline', output: result.output } : { kind: 'done', result }),
      // the agent's port closes when QEMU exits: report the exit with its status
      async (): Promise<StepOutcome> => ({ kind: 'exit', exit: await this.exitInfo(), output: partial }),
    );
    const kicks = this.kickGracePeriods();
    const outcome = await this.race(run, () => partial).finally(() => clearInterval(kicks));
    if (outcome.kind === 'done') await this.barrier();
    return this.settle(outcome, partial);
  }

  /** Runs `true` in the guest every GRACE_PERIOD_KICK_MS, one at a time, until cleared. */
  private kickGracePeriods(): NodeJS.Timeout {
    let inFlight = false;
    return setInterval(() => {
      if (inFlight || !this.vm.running) return;
      inFlight = true;
      void this.vm.agent
        .run('true', { timeoutMs: TIMEOUTS.probeMs })
        .catch(() => undefined)
        .finally(() => {
          inFlight = false;
        });
    }, GRACE_PERIOD_KICK_MS);
  }

  /** QEMU's exit, once it is known; a port that closed under a running QEMU counts as an exit too. */
  private exitInfo(): Promise<VmExit> {
    return withTimeout(this.exited, TIMEOUTS.exitWaitMs, (): VmExit => ({ reason: 'exited', exitCode: -1 }));
  }

  /** Writes a line to the kernel log, which shows on the console: "kshram-lab: item 5: check_msg". */
  async note(text: string): Promise<void> {
    await this.vm.agent.writeKernelLog(kernelLogLine(text), { timeoutMs: TIMEOUTS.barrierMs }).catch(() => undefined);
  }

  /**
   * The user tasks stuck in D or R state after a step timed out, with
   * their kernel stacks; a running one gets its CPU's backtrace (sysrq l),
   * since /proc/PID/stack is empty while a task runs.
   */
  async stuckTasks(budgetMs = Number.POSITIVE_INFINITY): Promise<StuckTask[]> {
    if (!this.vm.running) return [];
    return withTimeout(this.scanStuck(), budgetMs, (): StuckTask[] => []);
  }

  private async scanStuck(): Promise<StuckTask[]> {
    const scan = await this.vm.agent.run(STUCK_SCAN, { timeoutMs: TIMEOUTS.stuckScanMs }).catch(() => undefined);
    const tasks = scan ? parseStuckScan(scan.output) : [];
    if (tasks.some((task) => task.state.startsWith('R'))) {
      const from = this.vm.console.length;
      await this.vm.agent.run(CPU_BACKTRACE, { timeoutMs: TIMEOUTS.stuckScanMs }).catch(() => undefined);
      await this.barrier();
      const traces = parseCpuBacktraces(this.vm.console.slice(from));
      for (const task of tasks) {
        const trace = traces.get(task.pid);
        if (trace && task.stack.length === 0) Object.assign(task, { stack: trace.stack, rip: trace.rip });
      }
    }
    return tasks;
  }

  /** Waits until everything the kernel printed so far has come through the console. */
  private async barrier(): Promise<void> {
    const text = syncMarker(++this.markers);
    const marker = markerOnConsole(text);
    let seen = '';
    let listener: Disposable | undefined;
    const arrived = new Promise<void>((resolve) => {
      listener = this.vm.onConsoleData((text) => {
        seen = (seen + text).slice(-(marker.length + 256));
        if (seen.includes(marker)) resolve();
      });
    });
    void this.vm.agent.writeKernelLog(kernelLogLine(text), { timeoutMs: TIMEOUTS.barrierMs }).catch(() => undefined);
    await withTimeout(Promise.race([arrived, this.exited.then(() => undefined)]), TIMEOUTS.barrierMs, () => undefined);
    listener?.dispose();
  }

  private race(step: Promise<StepOutcome>, output: () => string): Promise<StepOutcome> {
    const ended = Promise.race([
      step,
      this.crashed.then((crash): StepOutcome => ({ kind: 'crash', crash, output: output() })),
      this.exited.then((exit): StepOutcome => ({ kind: 'exit', exit, output: output() })),
    ]);
    return withTimeout(ended, Math.max(0, this.remainingMs()), (): StepOutcome => ({ kind: 'deadline', output: output() }));
  }

  /**
   * A crash seen at any point wins over what the step reported; its report
   * gets a moment to arrive in full (QEMU may exit on the panic meanwhile).
   */
  private async settle(outcome: StepOutcome, partial = ''): Promise<StepOutcome> {
    const crash = this.vm.crashes.crash;
    if (!crash) return outcome;
    const until = Date.now() + TIMEOUTS.crashSettleMs;
    while (!crash.complete && this.vm.running && Date.now() < until) await new Promise((r) => setTimeout(r, CRASH_POLL_MS));
    const output = outcome.kind === 'done' ? outcome.result.output : outcome.output;
    return { kind: 'crash', crash, output: output || partial };
  }
}
