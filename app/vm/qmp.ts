import { createConnection, type Socket } from 'node:net';
import { LabError } from '../errors.js';
import { withTimeout } from '../timeouts.js';

/** QEMU answers its monitor in milliseconds, even with every vCPU spinning. */
export const QMP_TIMEOUT_MS = 3_000;

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A connection to QEMU's machine protocol (QMP): JSON lines, a greeting,
 * capability negotiation, then commands answered in order (events in
 * between are skipped). QEMU serves one client per socket at a time, so a
 * connection is opened for a task and closed after it.
 */
export class QmpClient {
  private buffer = '';
  private readonly answers: Waiter[] = [];
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => this.receive(data.toString('utf8')));
    const fail = (err?: Error): void => {
      this.closedError ??= err ?? new Error('QEMU closed its monitor');
      for (const waiter of this.answers.splice(0)) waiter.reject(this.closedError);
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  /** Connects and negotiates capabilities (the greeting comes first, then qmp_capabilities). */
  static async connect(path: string, timeoutMs = QMP_TIMEOUT_MS): Promise<QmpClient> {
    const socket = createConnection(path);
    const client = new QmpClient(socket);
    const greeting = new Promise<unknown>((resolve, reject) => client.answers.push({ resolve, reject }));
    try {
      await answered(greeting, timeoutMs);
      await client.execute('qmp_capabilities', undefined, timeoutMs);
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Runs a command; resolves with its `return`, rejects with QEMU's error description. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = QMP_TIMEOUT_MS): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const answer = new Promise<T>((resolve, reject) => this.answers.push({ resolve: resolve, reject }));
    this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
    return answered(answer, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(text: string): void {
    this.buffer += text;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.dispatch(JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string });
    }
  }

  private dispatch(message: { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string }): void {
    // events (a stop, a migration's progress) are not what a command waits for
    if (message.event) return;
    const waiter = this.answers.shift();
    if (!waiter) return;
    if (message.error) waiter.reject(new LabError('QEMU_FAILED', `QEMU's monitor said: ${message.error.desc ?? 'error'}`));
    else waiter.resolve(message.QMP ?? message.return);
  }
}

/** The answer, or QEMU_FAILED once `timeoutMs` have passed without one. */
async function answered<T>(answer: Promise<T>, timeoutMs: number): Promise<T> {
  const result = await withTimeout(answer.then((value) => ({ value })), timeoutMs, () => undefined);
  if (!result) throw new LabError('QEMU_FAILED', 'QEMU did not answer its monitor');
  return result.value;
}
