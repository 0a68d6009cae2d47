import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { formatDiagnostic } from '../build/diagnostics.js';
import { selectToolchain } from '../build/select.js';
import { prepareGuest } from '../guest/prepare.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { chooseAccel } from '../vm/accel.js';
import { Vm } from '../vm/vm.js';
import { handleError } from './errors.js';
import { accelOption, kitOption, noCompatOption, toolchainOption } from './options.js';

/** Ctrl-] leaves the console, as in telnet. */
const ESCAPE = '\x1d';

export function bootCommand(): Command {
  return new Command('boot')
    .description('build the module, boot the guest and attach this terminal to its serial console (Ctrl-] quits)')
    .argument('[dir]', 'folder with kshram.c', '.')
    .addOption(kitOption())
    .addOption(accelOption())
    .addOption(toolchainOption())
    .addOption(noCompatOption())
    .action(async (dir: string, flags: { kit?: string; accel: 'auto' | 'kvm' | 'tcg'; toolchain: 'auto' | 'native' | 'docker'; compat: boolean }) => {
      const runDir = await mkdtemp(join(tmpdir(), 'kshram-boot-'));
      try {
        const kit = await loadKit(flags.kit ?? DEFAULT_KIT);
        const toolchain = await selectToolchain(kit, flags.toolchain);
        const accel = await chooseAccel(kit, flags.accel);
        const guest = await prepareGuest({ kit, toolchain, workspaceDir: resolve(dir), compat: flags.compat, runDir });
        // compat findings print once, as notes, rather than again as info diagnostics
        for (const d of guest.kshram.diagnostics) if (d.severity !== 'info') process.stderr.write(`${formatDiagnostic(d)}\n`);
        for (const note of guest.kshram.compat.notes) process.stderr.write(`${pc.cyan('note:')} ${note}\n`);
        if (!guest.kshram.ok) process.stderr.write(pc.yellow('kshram.c did not compile; booting without kshram.ko\n'));
        process.stderr.write(pc.dim(`Booting Linux ${kit.kernelRelease} (${accel.accel.toUpperCase()}: ${accel.reason}). Modules are in /lib/kshram. Ctrl-] quits.\n`));
        const vm = await Vm.start({ kit, accel: accel.accel, initramfs: guest.initramfs, cols: process.stdout.columns, rows: process.stdout.rows });
        await attach(vm);
      } catch (err) {
        handleError(err);
      } finally {
        await rm(runDir, { recursive: true, force: true });
      }
    });
}

async function attach(vm: Vm): Promise<void> {
  const stdin = process.stdin;
  vm.onConsoleData((text) => process.stdout.write(text));
  vm.onCrash((crash) => process.stderr.write(`\r\n${pc.red(`kshram-lab: kernel ${crash.kind} detected: ${crash.title}`)}\r\n`));
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();
  const onInput = (data: Buffer): void => {
    const text = data.toString('utf8');
    if (text.includes(ESCAPE)) void vm.stop();
    else vm.write(text);
  };
  stdin.on('data', onInput);
  const exit = await vm.waitExit();
  stdin.off('data', onInput);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  process.stderr.write(pc.dim(`\r\nVM ${exit.reason === 'stopped' ? 'stopped' : `exited (status ${exit.exitCode})`}.\n`));
}
