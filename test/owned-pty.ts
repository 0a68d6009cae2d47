import pty, { type IPty, type IPtyForkOptions } from 'node-pty';
import { withParentDeathSignal } from '../app/process.js';
import { endGroup, own, STOP_GRACE_MS } from './owned.js';

/** A command on a terminal of its own (node-pty), owned by the running test like spawnOwned's. */
export interface OwnedPty {
  readonly term: IPty;
  /** What it wrote to the terminal so far. */
  output(): string;
  readonly exited: Promise<{ exitCode: number; signal?: number }>;
  /** `stopSignal` to it, its group killed after the grace; the same promise when called again. */
  stop(): Promise<void>;
}

export function spawnOwnedPty(command: string, args: readonly string[], options: IPtyForkOptions & { stopSignal?: NodeJS.Signals; graceMs?: number }): OwnedPty {
  const [wrapped, wrappedArgs] = withParentDeathSignal(command, args);
  const term = pty.spawn(wrapped, wrappedArgs, options);
  let output = '';
  let running = true;
  term.onData((d) => (output += d));
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    term.onExit((e) => {
      running = false;
      resolve(e);
    }),
  );
  let stopping: Promise<void> | undefined;
  // a terminal's process leads a session, and so a process group, of its own
  const stop = (): Promise<void> => (stopping ??= endGroup(term.pid, exited, () => running, options.stopSignal ?? 'SIGTERM', options.graceMs ?? STOP_GRACE_MS));
  own(command, term.pid, stop);
  return { term, output: () => output, exited, stop };
}
