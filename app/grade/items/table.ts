import { GUEST_MODULE_DIR } from '../../guest/initramfs.js';
import { consoleTail } from '../evidence.js';
import type { ChecklistItem } from '../checklist.js';
import { judgeMessageKept, parseCheckMsg } from '../judge.js';
import type { ItemContext } from './context.js';
import { checkProcListing, loadKshram } from './load-kshram.js';
import { CONSOLE_TAIL_LINES, GRADING_CONSOLE_LOGLEVEL } from './limits.js';
import { RunEnded, type ItemOutcome } from './outcome.js';
import { firstWords } from './probes.js';
import { runCheck } from './run-check.js';
import { reloadHint } from './run-state.js';
import { BOOT_STEP, section, seconds } from './recorder.js';
import { unloadKshram } from './unload-kshram.js';
import { TIMEOUTS } from '../../timeouts.js';

/** One demo item of the lab's Grading section: its checklist line, its points, and how it is graded. */
export interface GradeItem {
  id: number;
  title: string;
  points: number;
  /** Grades the item; throws RunEnded when the run cannot go on (crash, QEMU exit, deadline, hang). */
  run(ctx: ItemContext): Promise<ItemOutcome>;
}

/** An item that runs one of the lab's check programs, judged by its contract (run-check.ts). */
function checkItem(id: number, program: string, points: number): GradeItem {
  return {
    id,
    title: `${program} passes`,
    points,
    async run({ recorder }) {
      const result = await runCheck(recorder, program);
      return recorder.finish(result.pass, result.reason);
    },
  };
}

/** The eight items, in the order the course's server runs them; a failed item stops the rest. */
export const GRADE_ITEMS: readonly GradeItem[] = [
  {
    id: 1,
    title: 'Boot the Linux VM',
    points: 10,
    async run({ session, recorder }) {
      const { vm } = session;
      const outcome = await session.boot(TIMEOUTS.bootMs);
      if (outcome.kind !== 'done') return recorder.ended(BOOT_STEP, outcome);
      if (outcome.result.status === 0) {
        const secs = ((Date.now() - vm.started) / 1000).toFixed(1);
        // part of bringing the guest up: a guest that dies here (it may have come up before the build
        // finished) is a boot failure, retried on a fresh VM, as nothing of the submission has run
        await recorder.sh(`echo ${GRADING_CONSOLE_LOGLEVEL} > /proc/sys/kernel/printk`, TIMEOUTS.probeMs, { quiet: true, label: BOOT_STEP });
        const summary = `Linux ${outcome.result.output || ''} booted to its shell in ${secs} s (${vm.accel.toUpperCase()})`.replace('  ', ' ');
        return { pass: true, summary, evidence: '' };
      }
      throw new RunEnded(`The guest did not come up within ${seconds(TIMEOUTS.bootMs)}`, section('console (last lines)', consoleTail(vm.console, CONSOLE_TAIL_LINES)));
    },
  },
  {
    id: 2,
    title: 'Load the hello, world! module',
    points: 10,
    async run({ recorder }) {
      const insmod = await recorder.sh(`insmod ${GUEST_MODULE_DIR}/hello.ko`, TIMEOUTS.gradeInsmodMs);
      if (insmod.status !== 0) return recorder.finish(false, `insmod hello.ko failed (exit ${insmod.status})${firstWords(insmod)}`);
      const listed = await recorder.sh('grep "^hello " /proc/modules', TIMEOUTS.probeMs);
      return recorder.finish(listed.status === 0, listed.status === 0 ? 'hello.ko loaded' : 'insmod returned 0 but hello is not in /proc/modules');
    },
  },
  {
    id: 3,
    title: 'Load kshram.ko: /dev/kshram0..7 appear',
    points: 10,
    async run(ctx) {
      if (ctx.kshramBuildError) return { pass: false, ...ctx.kshramBuildError };
      const failed = await loadKshram(ctx);
      if (failed) return failed;
      await checkProcListing(ctx);
      return ctx.recorder.finish(true, '/dev/kshram0..7 created');
    },
  },
  {
    id: 4,
    title: 'Unload kshram without a crash (unload test #1)',
    points: 5,
    async run(ctx) {
      const { outcome, leftovers } = await unloadKshram(ctx, 'unload test #1');
      ctx.state.unloadLeftovers = leftovers;
      return outcome;
    },
  },
  {
    id: 5,
    title: 'Reload kshram; check_msg passes',
    points: 20,
    async run(ctx) {
      const { recorder, notes } = ctx;
      // a reload that fails or crashes may be explained by what unload test #1 left
      recorder.hint = reloadHint(ctx.state);
      const failed = await loadKshram(ctx);
      if (failed) return failed;
      const first = await runCheck(recorder, 'check_msg');
      if (!first.pass) return recorder.finish(false, first.reason);
      const second = await runCheck(recorder, 'check_msg');
      if (!second.pass) return recorder.finish(false, `second run: ${second.reason}`);
      const kept = judgeMessageKept(first.output, second.output);
      if (!kept.pass) return recorder.finish(false, kept.reason!);
      const a = parseCheckMsg(first.output);
      if (a.read !== undefined && a.read !== '') notes.push(`item 5: slot 0 was not empty after a fresh load (read "${a.read.slice(0, 40)}"); kzalloc zeroes it`);
      // the evidence claims persistence only when the second run was seen reading the first one's message
      return recorder.finish(true, kept.checked ? 'check_msg passed twice; the message persisted between runs' : 'check_msg passed twice');
    },
  },
  checkItem(6, 'check_resize', 20),
  checkItem(7, 'check_fork', 20),
  {
    id: 8,
    title: 'Unload kshram without a crash (unload test #2)',
    points: 5,
    async run(ctx) {
      return (await unloadKshram(ctx, 'unload test #2')).outcome;
    },
  },
];

/** The checklist as reports and the workbench show it: the table's lines and points. */
export const CHECKLIST: readonly ChecklistItem[] = GRADE_ITEMS.map(({ id, title, points }) => ({ id, title, max: points }));

export const MAX_POINTS = GRADE_ITEMS.reduce((sum, item) => sum + item.points, 0);
