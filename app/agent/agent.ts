import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { createConnection, type Socket } from 'node:net';
import { LabError } from '../errors.js';
import { Emitter } from '../events.js';
import { encodeFrame, FrameParser, type Frame, type HostFrameType } from './protocol.js';

/** The agent answers a ping within milliseconds once the guest runs it. */
const PING_INTERVAL_MS = 200;
/** After a kill, how long the agent gets to report the exit. */
const KILL_GRACE_MS = 2_000;
/** Random bytes handed to a restored guest's pool: 512 bits, twice what its CRNG's key holds. */
const FRESH_ENTROPY_BYTES = 64;
/** Output kept per command; a runaway program must not eat the host's memory. */
const MAX_OUTPUT_CHARS = 256 * 1024;

export interface CommandResult {
  /** Exit status; 128+N when killed by signal N; null when it never ended. */
  status: number | null;
  output: string;
  timedOut: boolean;
  elapsedMs: number;
}

export interface CommandOptions {
  timeoutMs: number;
  onOutput?: (text: string) => void;
}

interface Pending {
  output: string;
  /** One per job: a UTF-8 character split across two frames stays whole. */
  decoder: StringDecoder;
  onOutput?: (text: string) => void;
  finish: (status: number | null) => void;
  fail: (err: Error) => void;
}

/**
 * Host side of the guest agent: runs shell commands in the guest over the
 * second serial port and collects their output and exit status.
 */
export class AgentClient {
  private readonly parser = new FrameParser();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly readyEmitter = new Emitter<string>();
  private readonly goneEmitter = new Emitter<void>();
  /** Kernel release the agent reported, once it is up. */
  release: string | undefined;
  readonly onReady = this.readyEmitter.event;
  readonly onGone = this.goneEmitter.event;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk).forEach((frame) => this.dispatch(frame)));
    socket.on('close', () => this.gone());
    socket.on('error', () => this.gone());
  }

  /** Connects to QEMU's end of the agent's serial port. */
  static connect(path: string): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new AgentClient(socket)));
      socket.once('error', reject);
    });
  }

  get ready(): boolean {
    return this.release !== undefined;
  }

  /** Resolves with the kernel release once the agent answers. */
  waitReady(timeoutMs: number): Promise<string> {
    if (this.release !== undefined) return Promise.resolve(this.release);
    // gone already (QEMU died before anyone waited): no event will come to end the wait
    if (this.closed) return Promise.reject(new LabError('AGENT_GONE', 'The VM stopped before the guest came up.'));
    return new Promise((resolve, reject) => {
      const ping = setInterval(() => this.send(0, 'ping'), PING_INTERVAL_MS);
      this.send(0, 'ping');
      const timer = setTimeout(() => done(new LabError('AGENT_TIMEOUT', `The guest did not come up within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
      const ready = this.onReady((release) => done(undefined, release));
      const gone = this.onGone(() => done(new LabError('AGENT_GONE', 'The VM stopped before the guest came up.')));
      const done = (err?: Error, release?: string): void => {
        clearInterval(ping);
        clearTimeout(timer);
        ready.dispose();
        gone.dispose();
        if (err) reject(err);
        else resolve(release!);
      };
    });
  }

  /** Runs `command` with /bin/sh -c in the guest. Never rejects on a failing command. */
  run(command: string, options: CommandOptions): Promise<CommandResult> {
    return this.request('run', command, options);
  }

  /** Writes `line` to the guest's kernel log (/dev/kmsg) without starting a shell; status 0 when written. */
  writeKernelLog(line: string, options: CommandOptions): Promise<CommandResult> {
    return this.request('kmsg', line, options);
  }

  /**
   * For a guest restored from a snapshot: sets its clock to the host's and
   * mixes fresh random bytes into its pool (reseeding its CRNG), so no two
   * restored guests share the saved clock or random state. Status 0 when done.
   */
  freshen(options: CommandOptions): Promise<CommandResult> {
    const now = Date.now();
    const payload = `${Math.floor(now / 1000)} ${(now % 1000) * 1_000_000} ${randomBytes(FRESH_ENTROPY_BYTES).toString('hex')}`;
    return this.request('fresh', payload, options);
  }

  private request(type: 'run' | 'kmsg' | 'fresh', payload: string, options: CommandOptions): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new LabError('AGENT_GONE', 'The VM is not running.'));
    const id = this.nextId++;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let timedOut = false;
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        this.send(id, 'kill');
        grace = setTimeout(() => entry.finish(null), KILL_GRACE_MS);
      }, options.timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        clearTimeout(grace);
        this.pending.delete(id);
      };
      const entry: Pending = {
        output: '',
        decoder: new StringDecoder('utf8'),
        onOutput: options.onOutput,
        finish: (status) => {
          settle();
          resolve({ status, output: entry.output, timedOut, elapsedMs: Date.now() - started });
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      this.pending.set(id, entry);
      this.send(id, type, payload);
    });
  }

  close(): void {
    this.socket.destroy();
    this.gone();
  }

  private send(id: number, type: HostFrameType, payload = ''): void {
    if (!this.closed) this.socket.write(encodeFrame(id, type, payload));
  }

  private dispatch(frame: Frame): void {
    if (frame.type === 'hello' || (frame.type === 'pong' && frame.id === 0)) {
      if (this.release === undefined) {
        // hello at start; a pong says it again (a restored guest's hello went to the QEMU that saved it)
        this.release = frame.payload.toString('utf8');
        this.readyEmitter.fire(this.release);
      }
      return;
    }
    const entry = this.pending.get(frame.id);
    if (!entry) return;
    if (frame.type === 'out') {
      const text = entry.decoder.write(frame.payload);
      if (entry.output.length < MAX_OUTPUT_CHARS) entry.output += text.slice(0, MAX_OUTPUT_CHARS - entry.output.length);
      entry.onOutput?.(text);
    } else if (frame.type === 'exit') {
      entry.finish(Number(frame.payload.toString('latin1')));
    } else if (frame.type === 'error') {
      entry.output += `agent: ${frame.payload.toString('utf8')}\n`;
      entry.finish(null);
    }
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.pending.values()]) entry.fail(new LabError('AGENT_GONE', 'The VM stopped while a command was running.'));
    this.goneEmitter.fire();
  }
}
