import { Command, Option } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { bootGuest, type BootedGuest } from '../boot/boot-guest.js';
import { resolveEnvironment } from '../boot/environment.js';
import { formatDiagnostic } from '../build/diagnostics.js';
import { freeLoopbackPort } from '../debug/free-port.js';
import { followModule, writeGdbScripts, type GdbScripts } from '../debug/gdb-script.js';
import { gdbSymbolFile } from '../debug/symbol-file.js';
import { LabError } from '../errors.js';
import { DisposableStore, toDisposable } from '../events.js';
import { bootProfile } from '../vm/profile.js';
import { handleError } from './errors.js';
import { accelOption, coldBootOption, kitOption, noCompatOption, toolchainOption } from './options.js';

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
    .addOption(coldBootOption())
    .addOption(new Option('--debug', "open QEMU's gdbstub on a free port of 127.0.0.1 and boot with nokaslr (like qemu.sh debug); prints the gdb command"))
    .addOption(new Option('--wait', 'with --debug: stop at the first instruction until gdb continues (-S)'))
    .action(async (dir: string, flags: { kit?: string; accel: 'auto' | 'kvm' | 'tcg'; toolchain: 'auto' | 'native' | 'docker'; compat: boolean; coldBoot?: boolean; debug?: boolean; wait?: boolean }) => {
      let booted: BootedGuest | undefined;
      let scriptDir: string | undefined;
      try {
        if (flags.wait && !flags.debug) throw new LabError('BAD_ARGUMENT', '--wait needs --debug.', 'Run kshram-lab boot DIR --debug --wait.');
        const gdb = flags.debug ? { port: await freeLoopbackPort(), wait: !!flags.wait } : undefined;
        let scripts: GdbScripts | undefined;
        if (gdb) {
          scriptDir = await mkdtemp(join(tmpdir(), 'kshram-gdb-'));
          scripts = await writeGdbScripts(scriptDir, gdb.port, resolve(dir));
        }
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
              if (gdb && scripts) {
                process.stderr.write(pc.cyan(`gdb: QEMU's gdbstub listens on 127.0.0.1:${gdb.port}. In another terminal:  gdb -x ${scripts.connect}\n`));
                process.stderr.write(pc.dim(`     after each insmod, type kshram-symbols in gdb to load kshram.ko's symbols where it was loaded${gdb.wait ? '\n     the guest waits at its first instruction until gdb continues' : ''}\n`));
              }
            },
            profile: bootProfile(kit, { debug: gdb, coldBoot: flags.coldBoot }),
          },
        );
        // only a debug boot needs gdb's copy of the module: readelf and objcopy in the sandbox delay the console
        const koPath = scripts && booted.guest.kshram.koPath ? await gdbSymbolFile(booted.guest.kshram.koPath) : undefined;
        const unfollow =
          scripts && koPath
            ? followModule(booted.vm.agent, koPath, scripts, (sections) =>
                process.stderr.write(pc.dim(sections ? `\r\n[kshram-lab: kshram.ko loaded at .text 0x${sections.get('.text')!.toString(16)}: in gdb, type kshram-symbols]\r\n` : '\r\n[kshram-lab: kshram.ko unloaded]\r\n')),
              )
            : undefined;
        await attach(booted);
        unfollow?.();
      } catch (err) {
        await booted?.dispose();
        if (scriptDir) await rm(scriptDir, { recursive: true, force: true });
        handleError(err);
      }
      await booted.dispose();
      if (scriptDir) await rm(scriptDir, { recursive: true, force: true });
    });
}

async function attach(booted: BootedGuest): Promise<void> {
  const { vm } = booted;
  const stdin = process.stdin;
  // the guest booted (and printed its prompt) while bootGuest waited for its agent: show that first, then follow
  process.stdout.write(vm.console);
  const disposables = new DisposableStore();
  disposables.add(vm.onConsoleData((text) => process.stdout.write(text)));
  let decoding: Promise<void> | undefined;
  disposables.add(vm.onCrash((crash) => {
    process.stderr.write(`\r\n${pc.red(`kshram-lab: kernel ${crash.kind} detected: ${crash.title}`)}\r\n`);
    // once the report is whole: the line of the student's code it ran through
    decoding ??= booted
      .decodeCrash(crash)
      .then((decoded) => {
        if (decoded.yourCodeText) process.stderr.write(`\r\n${pc.red(`kshram-lab: ${decoded.yourCodeText}${decoded.task ? ` (while ${decoded.task} was running)` : ''}`)}\r\n`);
      })
      .catch(() => undefined);
  }));
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();
  const onInput = (data: Buffer): void => {
    const text = data.toString('utf8');
    if (text.includes(ESCAPE)) void vm.stop();
    else vm.write(text);
  };
  stdin.on('data', onInput);
  disposables.add(toDisposable(() => stdin.off('data', onInput)));
  const exit = await vm.waitExit();
  // the .ko files go with the run: decode first
  await decoding;
  disposables.dispose();
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  process.stderr.write(pc.dim(`\r\nVM ${exit.reason === 'stopped' ? 'stopped' : `exited (status ${exit.exitCode})`}.\n`));
}
