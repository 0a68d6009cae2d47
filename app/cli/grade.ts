import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { gradeBatch } from '../grade/batch.js';
import { CHECKLIST } from '../grade/items/table.js';
import { writeBatchReports } from '../grade/report-files.js';
import { formatBatchTable, formatItemLine, formatReport } from '../grade/report-text.js';
import { gradeSubmission, type GradeOptions } from '../grade/runner.js';
import { prepareSubmission } from '../submissions/index.js';
import { EXIT_NOT_FULL_MARKS, EXIT_OK, EXIT_USAGE, handleError } from './errors.js';
import { BatchProgressView } from './grade-progress.js';
import { accelOption, checkedOption, coldBootOption, kitOption, noCompatOption, toolchainOption } from './options.js';

/** Exit status after Ctrl-C, as shells report SIGINT. */
const EXIT_INTERRUPTED = 130;

interface GradeFlags {
  json?: boolean;
  kit?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  toolchain: 'auto' | 'native' | 'docker';
  checks?: string;
  timeLimit?: number;
  evidence: 'failed' | 'all';
  compat: boolean;
  checked?: boolean;
  coldBoot?: boolean;
  jobs?: number;
  report?: string;
}

const positive = (what: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};

export function gradeCommand(): Command {
  return new Command('grade')
    .description('grade kshram modules the way the course server does (8 items, 100 points); several submissions make a batch')
    .argument('[submissions...]', 'folders with kshram.c, kshram.c files, or .tar.gz/.zip archives (default: .)')
    .option('--json', 'print the result as JSON')
    .addOption(kitOption())
    .addOption(accelOption())
    .addOption(toolchainOption())
    .addOption(noCompatOption())
    .addOption(checkedOption())
    .addOption(coldBootOption())
    .option('--checks <dir>', "use the check programs in DIR (check_msg.c, check_resize.c, check_fork.c, kshram.h), e.g. the course's")
    .addOption(new Option('--time-limit <seconds>', "time limit for boot and all items (default: the course's 120; 3 times that on a debug kit, whose kernel is that much slower)").argParser(positive('--time-limit')))
    .addOption(new Option('--evidence <which>', 'evidence to print').choices(['failed', 'all']).default('failed'))
    .addOption(new Option('--jobs <n>', `submissions graded at once, one VM each (default: ${availableParallelism()}, the CPU cores)`).argParser(positive('--jobs')))
    .option('--report <dir>', 'write results.json, results.csv and report.html into DIR')
    // a bad option value is bad input, like every other (exit 2), not a failed grade (exit 1)
    .exitOverride((err) => {
      if (err.exitCode !== 0 && process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'BAD_ARGUMENT', message: err.message.replace(/^error: /, '') } }, null, 2)}\n`);
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    })
    .action(async (inputs: string[], flags: GradeFlags) => {
      const abort = new AbortController();
      const onSigint = (): void => {
        if (abort.signal.aborted) process.exit(EXIT_INTERRUPTED);
        process.stderr.write(pc.yellow('\ncancelling: stopping the VMs (Ctrl-C again to quit at once)\n'));
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      const options: GradeOptions = {
        kit: flags.kit,
        accel: flags.accel,
        toolchain: flags.toolchain,
        checksDir: flags.checks,
        compat: flags.compat,
        checked: flags.checked,
        coldBoot: flags.coldBoot,
        ...(flags.timeLimit !== undefined ? { timeLimitMs: flags.timeLimit * 1000 } : {}),
        signal: abort.signal,
      };
      try {
        const submissions = inputs.length ? inputs : ['.'];
        const batch = submissions.length > 1 || flags.report !== undefined || flags.jobs !== undefined;
        process.exitCode = batch ? await runBatch(submissions, flags, options) : await runSingle(submissions[0]!, flags, options);
        if (abort.signal.aborted) process.exitCode = EXIT_INTERRUPTED;
      } catch (err) {
        if (abort.signal.aborted) process.exit(EXIT_INTERRUPTED);
        handleError(err, { json: flags.json });
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

/** One submission: items printed as they finish, then the failed items' evidence. */
async function runSingle(input: string, flags: GradeFlags, options: GradeOptions): Promise<number> {
  const live = !flags.json && process.stdout.isTTY;
  // a folder is graded in place; a .c file or an archive is unpacked first
  const isFolder = (await stat(input).catch(() => undefined))?.isDirectory() ?? false;
  const unpackDir = isFolder ? undefined : await mkdtemp(join(tmpdir(), 'kshram-submission-'));
  try {
    const dir = unpackDir ? (await prepareSubmission(input, join(unpackDir, 'workspace'))).workspaceDir : resolve(input);
    const report = await gradeSubmission(dir, {
      ...options,
      listener: flags.json
        ? {}
        : {
            onStage: (stage, detail) => stage !== 'done' && process.stderr.write(pc.dim(`· ${detail}\n`)),
            onItemStart: (id) => live && process.stdout.write(pc.dim(`… ${id}. ${CHECKLIST[id - 1]!.title}\r`)),
            onItemEnd: (item) => process.stdout.write(`${live ? '\x1b[2K' : ''}${formatItemLine(item)}\n`),
          },
    });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const text = formatReport(report, { evidence: flags.evidence });
      // the item lines were printed live; print the rest
      process.stdout.write(`${text.split('\n').filter((l) => !report.items.some((i) => l === formatItemLine(i))).join('\n')}\n`);
    }
    return report.total === report.max ? EXIT_OK : EXIT_NOT_FULL_MARKS;
  } finally {
    if (unpackDir) await rm(unpackDir, { recursive: true, force: true });
  }
}

/** Many submissions, N VMs at a time: a live table, then the summary and the report files. */
async function runBatch(inputs: string[], flags: GradeFlags, options: GradeOptions): Promise<number> {
  const view = new BatchProgressView(inputs.length);
  let result;
  try {
    result = await gradeBatch(inputs, { ...options, jobs: flags.jobs, listener: view.listener });
  } finally {
    view.stop();
  }
  const files = flags.report ? await writeBatchReports(result, resolve(flags.report)) : undefined;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatBatchTable(result)}\n`);
    if (files) process.stdout.write(`reports: ${files.json}, ${files.csv}, ${files.html}\n`);
  }
  const allFull = result.entries.every((entry) => entry.status === 'graded' && entry.total === entry.max);
  return allFull ? EXIT_OK : EXIT_NOT_FULL_MARKS;
}
