import pty from 'node-pty';
import { LabError } from '../errors.js';
import { withParentDeathSignal } from '../process.js';
import { Emitter } from '../events.js';
import { miQuote, parseMiLine, type MiRecord } from './mi.js';

/** The placeholder prints its tty's name at once. */
const TTY_NAME_WAIT_MS = 5_000;
/** MI commands answer within milliseconds, except an interrupt under a busy TCG guest. */
export const MI_COMMAND_TIMEOUT_MS = 15_000;

interface Waiting {
  resolve(record: MiRecord): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The terminal gdb's machine interface talks on (`new-ui mi3 TTY`), beside
 * the console the student types into. A pty needs a process holding it
 * open: a shell that turns echo off and sleeps. MI commands carry a token;
 * their ^done/^error resolves the promise. Async records (*stopped,
 * =breakpoint-created, …) are events, whichever UI caused them.
 */
export class MiChannel {
  private readonly recordEmitter = new Emitter<MiRecord>();
  /** Every async record (exec, notify, status). */
  readonly onAsync = this.recordEmitter.event;
  private readonly waiting = new Map<number, Waiting>();
  private nextToken = 1;
  private buffer = '';
  private closed = false;
  private ttyName: Promise<string>;

  private constructor(private readonly holder: pty.IPty) {
    let nameResolve!: (name: string) => void;
    this.ttyName = new Promise((resolve) => (nameResolve = resolve));
    holder.onData((data) => {
      this.buffer += data;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline).replace(/\r$/, '');
        this.buffer = this.buffer.slice(newline + 1);
        if (line.startsWith('/dev/')) nameResolve(line.trim());
        else this.line(line);
      }
    });
    holder.onExit(() => this.close());
  }

  static async open(): Promise<MiChannel> {
    // raw, no echo: gdb reads our commands, and nothing we write comes back as output
    const [command, args] = withParentDeathSignal('/bin/sh', ['-c', 'stty raw -echo && tty && exec sleep 2147483647']);
    const holder = pty.spawn(command, args, { name: 'dumb', cols: 1000, rows: 50, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const channel = new MiChannel(holder);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new LabError('GDB_FAILED', 'Could not open a terminal for gdb\'s machine interface.')), TTY_NAME_WAIT_MS)));
    try {
      await Promise.race([channel.ttyName, timeout]);
    } catch (err) {
      channel.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return channel;
  }

  /** The tty gdb opens with `new-ui mi3`. */
  get tty(): Promise<string> {
    return this.ttyName;
  }

  /** Sends an MI command; resolves with ^done/^running/^connected, rejects on ^error. */
  command(text: string, timeoutMs = MI_COMMAND_TIMEOUT_MS): Promise<MiRecord> {
    if (this.closed) return Promise.reject(new LabError('GDB_FAILED', 'gdb is not running.'));
    const token = this.nextToken++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new LabError('GDB_FAILED', `gdb did not answer "${text}" within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      this.waiting.set(token, { resolve, reject, timer });
      this.holder.write(`${token}${text}\n`);
    });
  }

  /** Runs a CLI command (add-symbol-file, …) through MI: its output stays on this channel. */
  console(command: string): Promise<MiRecord> {
    return this.command(`-interpreter-exec console ${miQuote(command)}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new LabError('GDB_FAILED', 'gdb ended.'));
    }
    this.waiting.clear();
    try {
      this.holder.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.recordEmitter.dispose();
  }

  private line(line: string): void {
    let record: MiRecord | undefined;
    try {
      record = parseMiLine(line);
    } catch (err) {
      // an answer we cannot read still ends its command, at once: waiting out the timeout held up every command after it
      const token = /^(\d+)\^/.exec(line)?.[1];
      this.take(token === undefined ? undefined : Number(token))?.reject(new LabError('GDB_FAILED', `gdb's answer could not be read: ${(err as Error).message}`));
      return; // any other record we cannot read is one we do not need
    }
    if (!record) return;
    if (record.kind !== '^') {
      this.recordEmitter.fire(record);
      return;
    }
    const waiting = this.take(record.token);
    if (!waiting) return;
    if (record.klass === 'error') waiting.reject(new LabError('GDB_ERROR', typeof record.results.msg === 'string' ? record.results.msg : 'gdb refused the command.'));
    else waiting.resolve(record);
  }

  /** The command waiting for the answer with `token`, no longer waiting (its timer stopped). */
  private take(token: number | undefined): Waiting | undefined {
    const waiting = token === undefined ? undefined : this.waiting.get(token);
    if (!waiting) return undefined;
    this.waiting.delete(token!);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
