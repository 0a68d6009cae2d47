import { Command } from 'commander';
import { statSync } from 'node:fs';
import pc from 'picocolors';
import { BUILTIN_KITS, installKit, removeKit } from '../kit/install.js';
import { DEFAULT_KIT, kitDir, listKitNames, loadKit } from '../kit/kit.js';
import { run } from '../process.js';
import { handleError } from './errors.js';

export function kitsCommand(): Command {
  const kits = new Command('kits').description('list, install and remove kits (kernel + module build files + base system)');
  kits.action(async () => {
    try {
      const names = await listKitNames();
      if (!names.length) process.stdout.write(`No kits installed. Install the default: kshram-lab kits install ${DEFAULT_KIT}\n`);
      for (const name of names) {
        try {
          const kit = await loadKit(name);
          const size = await diskUsage(kitDir(name));
          process.stdout.write(`${pc.green('●')} ${name.padEnd(14)} Linux ${kit.kernelRelease.padEnd(26)} ${size.padStart(6)}  ${kit.toolchain} toolchain  ${pc.dim(kit.description)}\n`);
        } catch (err) {
          process.stdout.write(`${pc.red('●')} ${name.padEnd(14)} ${(err as Error).message}\n`);
        }
      }
      const missing = Object.keys(BUILTIN_KITS).filter((n) => !names.includes(n));
      for (const name of missing) process.stdout.write(pc.dim(`○ ${name.padEnd(14)} not installed: kshram-lab kits install ${name}\n`));
    } catch (err) {
      handleError(err);
    }
  });
  kits
    .command('install')
    .argument('<name>', `built-in kit: ${Object.keys(BUILTIN_KITS).join(', ')}`)
    .description('build a kit from Debian packages into the cache (kept when already installed)')
    .option('--force', 'rebuild even when installed')
    .action(async (name: string, flags: { force?: boolean }) => {
      try {
        if (!flags.force) {
          const existing = await loadKit(name).catch(() => undefined);
          if (existing) {
            process.stdout.write(`${name} is already installed (Linux ${existing.kernelRelease}); --force rebuilds it\n`);
            return;
          }
        }
        const kit = await installKit(name, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`Installed ${kit.name}: Linux ${kit.kernelRelease} in ${kit.dir}\n`);
      } catch (err) {
        handleError(err);
      }
    });
  kits
    .command('remove')
    .argument('<name>')
    .description('delete a kit from the cache')
    .action(async (name: string) => {
      try {
        await removeKit(name);
        process.stdout.write(`Removed ${name}\n`);
      } catch (err) {
        handleError(err);
      }
    });
  return kits;
}

async function diskUsage(dir: string): Promise<string> {
  statSync(dir);
  const result = await run('du', ['-sh', dir]).catch(() => undefined);
  return result?.output.split('\t')[0] ?? '?';
}
