import { Command } from 'commander';
import { resolve } from 'node:path';
import pc from 'picocolors';
import { DockerToolchain } from '../build/docker.js';
import { formatSize, listKits, type KitInfo } from '../kit-store/catalog.js';
import { importKit } from '../kit-store/import.js';
import { BUILTIN_KITS, DEBUG_KITS, installKit, removeKit } from '../kit-store/install.js';
import { completeKit, lacksSystemMap } from '../kit-store/system-map.js';
import { buildTreePlace, DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { handleError } from './errors.js';

const PROGRESS_LINE = /^==> progress (\d+)\/100$/;
const BAR_WIDTH = 30;
/** Recipe output, dimmed; a debug kit's "==> progress N/100" lines as a bar redrawn in place on a terminal. */
const progress = (line: string): void => {
  const step = PROGRESS_LINE.exec(line);
  if (!step) return void process.stderr.write(pc.dim(`${line}\n`));
  const percent = Number(step[1]);
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = `building the kernel [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}%`;
  process.stderr.write(process.stderr.isTTY ? `\r${bar}${percent === 100 ? '\n' : ''}` : `${bar}\n`);
};

export function kitsCommand(): Command {
  const kits = new Command('kits')
    .description('list, install, import and remove kits (kernel + module build files + base system)')
    .option('--json', 'print the list as JSON')
    .action(async (flags: { json?: boolean }) => {
      try {
        const infos = await listKits();
        if (flags.json) process.stdout.write(`${JSON.stringify(infos, null, 2)}\n`);
        else printKits(infos);
      } catch (err) {
        handleError(err, { json: flags.json });
      }
    });

  kits
    .command('install')
    .argument('<name>', `built-in kit: ${[...Object.keys(BUILTIN_KITS), ...Object.keys(DEBUG_KITS)].join(', ')}`)
    .description('build a kit from Debian packages into the cache (kept when already installed)')
    .option('--force', 'rebuild even when installed')
    .option('--docker', 'run the recipe in the docker toolchain (automatic where apt-get is missing, e.g. macOS)')
    .action(async (name: string, flags: { force?: boolean; docker?: boolean }) => {
      try {
        if (!flags.force) {
          const existing = await loadKit(name).catch(() => undefined);
          if (existing && lacksSystemMap(existing)) {
            // made by an earlier version: the kernel stays, the debugger's System.map is added
            const completed = await completeKit(existing, progress);
            const added = completed.systemMapPath ? 'its System.map added' : 'still without a System.map';
            process.stdout.write(`${name} is already installed (Linux ${existing.kernelRelease}), ${added}; --force rebuilds it\n`);
            return;
          }
          if (existing) {
            process.stdout.write(`${name} is already installed (Linux ${existing.kernelRelease}); --force rebuilds it\n`);
            return;
          }
        }
        const kit = await installKit(name, progress, { viaDocker: flags.docker || undefined });
        process.stdout.write(`Installed ${kit.name}: Linux ${kit.kernelRelease} in ${kit.dir}\n`);
      } catch (err) {
        handleError(err);
      }
    });

  kits
    .command('import')
    .argument('<file>', "the course's dist.tbz (bzip2 tar: kernel, rootfs.cpio.bz2, qemu.sh, module build directory)")
    .description("import the course's kit archive: its kernel, rootfs and qemu.sh flags, with our agent and checks added")
    .option('--name <name>', 'kit name (default: course-RELEASE)')
    .option('--memory <size>', "guest memory instead of qemu.sh's, e.g. 128M")
    .option('--force', 'replace a kit of the same name')
    .option('--no-build-check', 'do not build the hello module against it before accepting it')
    .action(async (file: string, flags: { name?: string; memory?: string; force?: boolean; buildCheck: boolean }) => {
      try {
        const kit = await importKit(resolve(file), { name: flags.name, memory: flags.memory, force: flags.force, buildCheck: flags.buildCheck, onProgress: progress });
        process.stdout.write(`Imported ${kit.name}: Linux ${kit.kernelRelease}, ${kit.qemu.memory} memory, ${kit.qemu.smp} CPUs\n`);
        process.stdout.write(`Grade with it: kshram-lab grade DIR --kit ${kit.name}\n`);
      } catch (err) {
        handleError(err);
      }
    });

  kits
    .command('remove')
    .argument('<name>')
    .description('delete a kit from the cache, with the docker images made for it')
    .action(async (name: string) => {
      try {
        const kit = await loadKit(name).catch(() => undefined);
        const removed = await removeKit(name);
        process.stdout.write(`Removed ${name}\n`);
        for (const image of removed.images) process.stdout.write(pc.dim(`Removed its docker image ${image}\n`));
        if (removed.aptDir) process.stdout.write(pc.dim(`Removed the private apt lists ${removed.aptDir}\n`));
        if (kit && buildTreePlace(kit) === 'host') {
          process.stdout.write(pc.dim(`It was an old-style kit: its headers (${kit.headersPackage ?? kit.buildDirPath}) were installed with apt and stay; apt-get remove them to free the space.\n`));
        }
      } catch (err) {
        handleError(err);
      }
    });

  kits
    .command('docker')
    .argument('[name]', 'kit', DEFAULT_KIT)
    .description('build the docker toolchain image for a kit now (otherwise built on its first use)')
    .action(async (name: string) => {
      try {
        const kit = await loadKit(name);
        const id = await new DockerToolchain(kit, progress).prepare();
        process.stdout.write(`Docker toolchain for ${name} ready (${id.slice(0, 19)})\n`);
      } catch (err) {
        handleError(err);
      }
    });
  return kits;
}

function printKits(infos: KitInfo[]): void {
  if (!infos.some((k) => k.status !== 'available')) process.stdout.write(`No kits installed. Install the default: kshram-lab kits install ${DEFAULT_KIT}\n`);
  for (const kit of infos) {
    const name = `${kit.name}${kit.isDefault ? '*' : ''}`.padEnd(18);
    if (kit.status === 'installed') {
      const size = formatSize(kit.sizeBytes ?? 0).padStart(9);
      process.stdout.write(`${pc.green('●')} ${name} Linux ${kit.kernelRelease!.padEnd(24)} ${size}  ${kit.toolchain!.name.padEnd(6)}  ${pc.dim(kit.description)}\n`);
      if (kit.buildTree === 'host') {
        process.stdout.write(pc.yellow(`  old-style: its headers are apt's under /usr/src; make it self-contained with: kshram-lab kits install --force ${kit.name}\n`));
      }
      if (kit.systemMap === false) {
        process.stdout.write(pc.dim(`  no System.map: the debugger shows kernel frames as addresses; kshram-lab kits install ${kit.name} adds it\n`));
      }
    } else if (kit.status === 'broken') {
      process.stdout.write(`${pc.red('●')} ${name} ${kit.error!.message}\n`);
    } else if (kit.buildEstimate) {
      process.stdout.write(pc.dim(`○ ${name} not built (${kit.description}): kshram-lab kits install ${kit.name} compiles its kernel here, ${kit.buildEstimate}\n`));
    } else {
      process.stdout.write(pc.dim(`○ ${name} not installed (${kit.description}): kshram-lab kits install ${kit.name}\n`));
    }
  }
  process.stdout.write(pc.dim(`* default kit; the toolchain column is what --toolchain auto picks here.\n`));
}
