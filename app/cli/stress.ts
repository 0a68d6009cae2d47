import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { describeOwnSite } from '../symbols/decode.js';
import { DEFAULT_STRESS_PROCS, DEFAULT_STRESS_SECONDS, defaultStressKit, runStress, type StressReport } from '../checked/stress.js';
import { EXIT_NOT_FULL_MARKS, EXIT_OK, EXIT_USAGE, handleError } from './errors.js';
import { accelOption, kitOption, toolchainOption } from './options.js';

const whole = (what: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive whole number.`);
  return n;
};

export function stressCommand(): Command {
  return new Command('stress')
    .description('load the module and run kshram_stress (random concurrent GETSIZE/SETSIZE/mmap/munmap/fork on every slot, each known byte checked) on a checking kernel')
    .argument('[dir]', 'folder with kshram.c', '.')
    .addOption(kitOption().default(undefined, `${defaultStressKit()}: the debug kit when installed`))
    .addOption(accelOption())
    .addOption(toolchainOption())
    .addOption(new Option('--seconds <n>', 'how long the processes run').default(DEFAULT_STRESS_SECONDS).argParser(whole('--seconds')))
    .addOption(new Option('--procs <n>', 'processes at once').default(DEFAULT_STRESS_PROCS).argParser(whole('--procs')))
    .addOption(new Option('--seed <n>', 'random seed (printed by every run, to repeat one)').argParser(whole('--seed')))
    .option('--no-checked', 'boot a stock kernel as is (no slub_debug/page poisoning); a debug kit always checks')
    .option('--json', 'print the result as JSON')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE))
    .action(async (dir: string, flags: { kit?: string; accel: 'auto' | 'kvm' | 'tcg'; toolchain: 'auto' | 'native' | 'docker'; seconds: number; procs: number; seed?: number; checked: boolean; json?: boolean }) => {
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.on('SIGINT', onSigint);
      try {
        const report = await runStress(dir, {
          kit: flags.kit,
          accel: flags.accel,
          toolchain: flags.toolchain,
          seconds: flags.seconds,
          procs: flags.procs,
          seed: flags.seed,
          checked: flags.checked,
          signal: abort.signal,
          onStage: flags.json ? undefined : (detail) => process.stderr.write(pc.dim(`· ${detail}\n`)),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStress(report));
        process.exitCode = report.clean ? EXIT_OK : EXIT_NOT_FULL_MARKS;
      } catch (err) {
        handleError(err);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

export function formatStress(report: StressReport): string {
  const lines = [
    `${report.clean ? pc.green('clean') : pc.red('NOT clean')}: ${report.summary}`,
    pc.dim(`${report.kit} (Linux ${report.kernelRelease}), ${report.checked ? `checked: ${report.checkers.join(', ')}` : 'not checked'}; ${report.procs} processes, ${report.seconds} s, seed ${report.seed}; ${(report.elapsedMs / 1000).toFixed(1)} s in all`),
  ];
  for (const finding of report.findings) {
    lines.push(`${pc.yellow(finding.label)}${finding.count > 1 ? ` (${finding.count} times)` : ''}: ${finding.title}`);
    if (finding.site) lines.push(`  ${describeOwnSite(finding.site)}`);
    for (const frame of finding.frames.slice(0, 8)) lines.push(pc.dim(`    ${frame.text}`));
  }
  if (!report.clean && report.output) lines.push(pc.dim(report.output.split('\n').slice(-10).join('\n')));
  return `${lines.join('\n')}\n`;
}
