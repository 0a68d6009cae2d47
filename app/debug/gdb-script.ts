import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentClient } from '../agent/agent.js';
import { GDB_HOST } from './free-port.js';
import { addSymbolFileCommand, readModuleSections, removeSymbolFileCommand, sameSections, type SectionMap } from '../symbols/sections.js';

/** How often `boot --debug` asks the guest whether kshram.ko was (re)loaded. */
const MODULE_POLL_MS = 2_000;

export interface GdbScripts {
  /** `gdb -x` this: connects and defines `kshram-symbols`. */
  connect: string;
  /** Rewritten after every insmod/rmmod: loads kshram.ko's symbols where the guest put them. */
  symbols: string;
}

/**
 * For `kshram-lab boot --debug`, where the student runs gdb in a terminal
 * of their own (as with the course's `qemu.sh debug`): a script that
 * connects to the gdbstub, and a `kshram-symbols` command whose file is
 * kept in step with the module's load addresses.
 */
/**
 * Next/Step run only the stepping vCPU. Otherwise the other one runs too,
 * and a process entering kshram_ioctl there (the slot view, the student's
 * own program) can hit the same breakpoint and end the step on its line:
 * our reading of a Next that never reached the next line in two loaded runs.
 */
export const STEP_ALONE = 'scheduler-locking step';

export async function writeGdbScripts(runDir: string, port: number, sourceDir: string): Promise<GdbScripts> {
  const scripts = { connect: join(runDir, 'kshram.gdb'), symbols: join(runDir, 'kshram-symbols.gdb') };
  await writeFile(scripts.symbols, 'echo kshram.ko is not loaded yet\\n\n');
  await writeFile(
    scripts.connect,
    [
      'set pagination off',
      'set confirm off',
      // breakpoints in kshram.c wait for the module's symbols
      'set breakpoint pending on',
      `directory ${sourceDir}`,
      `define kshram-symbols\n  source ${scripts.symbols}\nend`,
      "document kshram-symbols\nLoad kshram.ko's symbols at the addresses the guest loaded it at (run it after each insmod).\nend",
      `target remote ${GDB_HOST}:${port}`,
      `set ${STEP_ALONE}`,
      '',
    ].join('\n'),
  );
  return scripts;
}

/**
 * Polls the guest for kshram.ko's sections and rewrites the symbols script
 * when they change; `onChange` tells the student. Stops when `agent` goes.
 */
export function followModule(agent: AgentClient, koPath: string, scripts: GdbScripts, onChange: (sections: SectionMap | undefined) => void): () => void {
  let current: SectionMap | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !agent.ready) return;
    busy = true;
    readModuleSections(agent, 'kshram')
      .then(async (sections) => {
        if (sameSections(sections, current)) return;
        const lines = [current ? removeSymbolFileCommand(current) : '', sections ? addSymbolFileCommand(koPath, sections) : 'echo kshram.ko is not loaded\\n'];
        current = sections;
        await writeFile(scripts.symbols, `${lines.filter(Boolean).join('\n')}\n`);
        onChange(sections);
      })
      .catch(() => undefined) // no answer: the guest is stopped in gdb, or gone
      .finally(() => (busy = false));
  }, MODULE_POLL_MS);
  const gone = agent.onGone(() => clearInterval(timer));
  return () => {
    clearInterval(timer);
    gone.dispose();
  };
}
