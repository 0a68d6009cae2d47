import { Command, Option } from 'commander';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { formatDiagnostic } from '../build/diagnostics.js';
import { buildModule, buildSteps } from '../build/module.js';
import { selectToolchain } from '../build/select.js';
import { LabError } from '../errors.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import { handleError } from './errors.js';
import { noCompatOption, toolchainOption } from './options.js';

interface BuildFlags {
  output?: string;
  kit?: string;
  toolchain: 'auto' | 'native' | 'docker';
  compat: boolean;
}

export function buildCommand(): Command {
  return new Command('build')
    .description("build kshram.ko as the grader does (in its sandbox, against the kit's kernel): what you upload to the course service")
    .argument('[dir]', 'the module folder with kshram.c', '.')
    .option('-o, --output <file>', 'where to write the module (default: DIR/kshram.ko)')
    .addOption(new Option('--kit <name>', `kit to build against: the service's kernel (default: ${DEFAULT_KIT})`))
    .addOption(toolchainOption())
    .addOption(noCompatOption())
    .action(async (dir: string, flags: BuildFlags) => {
      const workDir = await mkdtemp(join(tmpdir(), 'kshram-build-'));
      try {
        const kit = await loadKit(flags.kit ?? DEFAULT_KIT);
        const toolchain = await selectToolchain(kit, flags.toolchain);
        const result = await buildModule({ dir: resolve(dir), name: 'kshram', fallbackHeaders: [join(moduleDir, 'kshram.h')] }, { kit, toolchain, compat: flags.compat, workDir: join(workDir, 'kshram') });
        for (const step of buildSteps(result.log)) process.stderr.write(pc.dim(`${step}\n`));
        for (const note of result.compat.notes) process.stderr.write(pc.dim(`note: ${note}\n`));
        for (const diagnostic of result.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
        if (!result.ok || !result.koPath) {
          const first = result.diagnostics.find((d) => d.severity === 'error');
          throw new LabError('BUILD_FAILED', `kshram.c does not compile${first ? `: ${formatDiagnostic(first)}` : ''}.`, result.diagnostics.length ? 'Fix the errors above and build again.' : result.log.trim().split('\n').slice(-5).join('\n'));
        }
        const output = resolve(flags.output ?? join(dir, 'kshram.ko'));
        await copyFile(result.koPath, output);
        process.stderr.write(pc.dim(`built for ${kit.name} (Linux ${kit.kernelRelease}) in ${(result.elapsedMs / 1000).toFixed(1)} s\n`));
        process.stdout.write(`${output}\n`);
      } catch (err) {
        handleError(err);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    });
}
