import { Command, Option } from 'commander';
import pc from 'picocolors';
import { CHECKLIST } from '../grade/checklist.js';
import { formatItemLine, formatReport } from '../grade/report-text.js';
import { gradeSubmission } from '../grade/runner.js';
import { EXIT_NOT_FULL_MARKS, EXIT_OK, handleError } from './errors.js';
import { accelOption, kitOption, noCompatOption, toolchainOption } from './options.js';

interface GradeFlags {
  json?: boolean;
  kit?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  toolchain: 'auto' | 'native' | 'docker';
  checks?: string;
  timeLimit: number;
  evidence: 'failed' | 'all';
  compat: boolean;
}

export function gradeCommand(): Command {
  return new Command('grade')
    .description('grade a kshram module the way the course server does (8 items, 100 points)')
    .argument('[dir]', 'folder with kshram.c (and optionally kshram.h)', '.')
    .option('--json', 'print the result as JSON')
    .addOption(kitOption())
    .addOption(accelOption())
    .addOption(toolchainOption())
    .addOption(noCompatOption())
    .option('--checks <dir>', "use the check programs in DIR (check_msg.c, check_resize.c, check_fork.c, kshram.h), e.g. the course's")
    .addOption(new Option('--time-limit <seconds>', 'time limit for boot and all items').default(120).argParser(Number))
    .addOption(new Option('--evidence <which>', 'evidence to print').choices(['failed', 'all']).default('failed'))
    .action(async (dir: string, flags: GradeFlags) => {
      try {
        const live = !flags.json && process.stdout.isTTY;
        const report = await gradeSubmission(dir, {
          kit: flags.kit,
          accel: flags.accel,
          toolchain: flags.toolchain,
          checksDir: flags.checks,
          compat: flags.compat,
          timeLimitMs: flags.timeLimit * 1000,
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
        process.exitCode = report.total === report.max ? EXIT_OK : EXIT_NOT_FULL_MARKS;
      } catch (err) {
        handleError(err);
      }
    });
}
