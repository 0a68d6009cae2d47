import { Command } from 'commander';
import pc from 'picocolors';
import { bootGuest, type BootedGuest } from '../boot/boot-guest.js';
import { resolveEnvironment } from '../boot/environment.js';
import { formatDiagnostic } from '../build/diagnostics.js';
import type { Vm } from '../vm/vm.js';
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
      let booted: BootedGuest | undefined;
      try {
        const env = await resolveEnvironment(flags);
        const { kit, accel } = env;
        booted = await bootGuest(
          env,
          { dir, compat: flags.compat },
          {
            cols: process.stdout.columns,
            rows: process.stdout.rows,
            onBuilt: (guest) => {
              // compat findings print once, as notes, rather than again as info diagnostics
              for (const d of guest.kshram.diagnostics) if (d.severity !== 'info') process.stderr.write(`${formatDiagnostic(d)}\n`);
              for (const note of guest.kshram.compat.notes) process.stderr.write(`${pc.cyan('note:')} ${note}\n`);
              if (!guest.kshram.ok) process.stderr.write(pc.yellow('kshram.c did not compile; booting without kshram.ko\n'));
              process.stderr.write(pc.dim(`Booting Linux ${kit.kernelRelease} (${accel.accel.toUpperCase()}: ${accel.reason}). Modules are in /lib/kshram. Ctrl-] quits.\n`));
            },
          },
        );
        await attach(booted.vm);
      } catch (err) {
        await booted?.dispose();
        handleError(err);
      }
      await booted.dispose();
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
