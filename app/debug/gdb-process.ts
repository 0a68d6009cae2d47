import pty from 'node-pty';
import { LabError } from '../errors.js';
import { run, withParentDeathSignal } from '../process.js';
import { GDB_BINARY } from './gdb-binary.js';
import { MiChannel } from './mi-channel.js';

/** gdb prints its version at once. */
const VERSION_TIMEOUT_MS = 10_000;

/**
 * Starts Debian's gdb with its console in a pty (the student's gdb tab)
 * and a machine-interface channel beside it (`new-ui mi3`) for the engine.
 */
export async function spawnGdb(cols: number, rows: number): Promise<{ proc: pty.IPty; mi: MiChannel }> {
  await run(GDB_BINARY, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS }).catch(() => {
    throw new LabError('GDB_MISSING', `gdb (${GDB_BINARY}) is not installed.`, 'Install it: apt-get install gdb (Debian/Ubuntu); or run npm run setup.');
  });
  const mi = await MiChannel.open();
  const tty = await mi.tty;
  try {
    // -nx: no ~/.gdbinit of the user's changes what the buttons rely on; the kernel kills gdb when we die
    const [command, args] = withParentDeathSignal(GDB_BINARY, ['-q', '-nx', '-iex', 'set pagination off', '-iex', 'set confirm off', '-iex', 'set breakpoint pending on', '-iex', 'set mi-async on', '-ex', `new-ui mi3 ${tty}`]);
    const proc = pty.spawn(command, args, { name: 'xterm-256color', cols, rows, cwd: process.cwd(), env: process.env });
    return { proc, mi };
  } catch {
    mi.close();
    throw new LabError('GDB_MISSING', `gdb (${GDB_BINARY}) could not be started.`, 'Install it: apt-get install gdb; or run npm run setup.');
  }
}
