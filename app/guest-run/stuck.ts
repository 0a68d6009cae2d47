/**
 * What a step that timed out is doing in the guest. A process stuck in a
 * module (a deadlock, an endless loop that yields the CPU) ignores SIGKILL;
 * its kernel stack names the function it is stuck in.
 */

/** One task that was sleeping uninterruptibly (D) or running (R) when a step timed out. */
export interface StuckTask {
  name: string;
  pid: number;
  state: string;
  /** Innermost first, e.g. "kshram_exit+0x12/0xca9 [kshram]". */
  stack: string[];
  /** For a running task, where the CPU was (from an NMI backtrace). */
  rip?: string;
}

/**
 * Guest shell that lists every user task in D or R state but itself, with
 * its kernel stack: "@task NAME PID STATE" then the /proc/PID/stack lines.
 * Kernel threads (no exe link) are left out. One grep picks the tasks, so
 * the scan forks a few processes rather than one per task: under TCG on a
 * busy host the per-task loop outlasted the 3 s it gets after the time limit.
 */
export const STUCK_SCAN =
  'for f in $(grep -l "^State:[[:space:]]*[DR]" /proc/[0-9]*/status 2>/dev/null); do d=${f%/status}; p=${d#/proc/}; ' +
  '[ "$p" = "$$" ] && continue; [ -e $d/exe ] || continue; s=$(sed -n "s/^State:[[:space:]]*//p" $f 2>/dev/null); ' +
  '[ -n "$s" ] || continue; echo "@task $(cat $d/comm) $p $s"; cat $d/stack 2>/dev/null; done';

/** Asks every CPU for a backtrace on the console: how a task spinning in the kernel is found. */
export const CPU_BACKTRACE = 'echo l > /proc/sysrq-trigger';

import { consoleLines, kernelText, parseFrame, parseRip } from '../vm/kernel-log.js';

const TASK_LINE = /^@task (\S+) (\d+) (.+)$/;
const STACK_LINE = /^\[<[0-9a-f]+>\] (.+)$/;

/** Parses STUCK_SCAN's output. */
export function parseStuckScan(output: string): StuckTask[] {
  const tasks: StuckTask[] = [];
  for (const line of output.split('\n').map((l) => l.trim())) {
    const task = TASK_LINE.exec(line);
    if (task) {
      tasks.push({ name: task[1]!, pid: Number(task[2]), state: task[3]!, stack: [] });
      continue;
    }
    const frame = STACK_LINE.exec(line);
    if (frame && tasks.length) tasks.at(-1)!.stack.push(frame[1]!);
  }
  return tasks;
}

const NMI_START = /NMI backtrace for cpu \d+/;
const CPU_LINE = /CPU: \d+ PID: (\d+) Comm: (\S+)/;

/** NMI backtraces on the console (sysrq l), by PID: where each CPU was and its reliable frames. */
export function parseCpuBacktraces(console: string): Map<number, { rip?: string; stack: string[] }> {
  const found = new Map<number, { rip?: string; stack: string[] }>();
  let current: { rip?: string; stack: string[] } | undefined;
  let inTask = false;
  for (const raw of consoleLines(console)) {
    const line = kernelText(raw);
    if (NMI_START.test(line)) {
      current = undefined;
      inTask = false;
      continue;
    }
    const cpu = CPU_LINE.exec(line);
    if (cpu) {
      current = { stack: [] };
      inTask = false;
      found.set(Number(cpu[1]), current);
      continue;
    }
    if (!current) continue;
    const rip = parseRip(line);
    if (rip && !current.rip) current.rip = rip;
    if (line === '<TASK>') inTask = true;
    else if (line === '</TASK>') current = undefined;
    else if (inTask) {
      const frame = parseFrame(line);
      if (frame && !frame.guess) current.stack.push(frame.text);
    }
  }
  return found;
}

/** The first frame inside a module ("kshram_exit+0x12/0xca9 [kshram]"), else the first frame. */
export function stuckWhere(task: StuckTask): string | undefined {
  return task.stack.find((f) => parseFrame(f)?.module) ?? task.rip ?? task.stack[0];
}

/** Where a stuck step is: a frame, exact when it is the CPU's own address rather than a return address. */
export interface StuckAt {
  frame: string;
  exact: boolean;
}

/**
 * The task a step left stuck (the one named like the step's command, else
 * the first found) and where it is.
 */
export function stuckStep(tasks: readonly StuckTask[], command: string): { task: StuckTask; where?: string; at?: StuckAt } | undefined {
  const task = tasks.find((t) => t.name === command.split(' ')[0]) ?? tasks[0];
  if (!task) return undefined;
  const where = stuckWhere(task);
  return { task, where, at: where ? { frame: where, exact: where === task.rip } : undefined };
}

/** "rmmod (pid 98, D (disk sleep)) in kshram_exit+0x12/0xca9 [kshram]:" and its stack, indented. */
export function formatStuckTasks(tasks: readonly StuckTask[]): string {
  return tasks
    .map((task) => {
      const where = stuckWhere(task);
      const head = `${task.name} (pid ${task.pid}, ${task.state})${where ? ` in ${where}` : ''}${task.rip && task.rip !== where ? `, CPU at ${task.rip}` : ''}`;
      return [head, ...task.stack.map((frame) => `  ${frame}`)].join('\n');
    })
    .join('\n');
}
