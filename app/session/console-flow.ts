import { Emitter } from '../events.js';

/**
 * Flow control between the guest's console and a terminal that renders
 * it, as VS Code does it (src/vs/platform/terminal/common/terminal.ts):
 * the pty is paused when this many characters were sent and not yet
 * acknowledged as written by xterm…
 */
export const HighWatermarkChars = 100_000;
/** …and resumed once fewer than this many are outstanding. */
export const LowWatermarkChars = 5_000;
/**
 * The terminal acknowledges in steps of this many characters. It must not
 * exceed the low watermark: the terminal may hold back up to this many
 * unacknowledged characters, and the pty would then never resume.
 */
export const CharCountAckSize = 5_000;
if (CharCountAckSize > LowWatermarkChars) throw new Error('CharCountAckSize must be <= LowWatermarkChars, or a paused console may never resume');

/** Output is sent at most once a frame, so a flood becomes ~60 messages a second… */
export const BatchIntervalMs = 16;
/** …or sooner when this much has piled up, so one message never gets huge. */
export const BatchMaxChars = 200 * 1024;
/** Console output kept to repaint a terminal that (re)connects. */
export const ReplayChars = 64 * 1024;

/** What output can be paused at: the VM's pty. */
export interface FlowTarget {
  pause(): void;
  resume(): void;
}

/**
 * Batches console output and applies the watermarks. Output from a source
 * that cannot be paused (the grader's VM) is batched all the same.
 */
export class ConsoleFlow {
  private readonly dataEmitter = new Emitter<string>();
  /** A batch of console output for the terminal. */
  readonly onData = this.dataEmitter.event;
  private batch = '';
  private timer: NodeJS.Timeout | undefined;
  private unacked = 0;
  private paused = false;
  private target: FlowTarget | undefined;
  private tail = '';

  /** Output goes to `target` from now on (undefined: nothing to pause). */
  attach(target: FlowTarget | undefined): void {
    this.flush();
    this.resumeTarget();
    this.target = target;
    this.unacked = 0;
  }

  push(text: string): void {
    this.batch += text;
    if (this.batch.length >= BatchMaxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BatchIntervalMs);
  }

  /** The terminal wrote `chars` more characters. */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked < LowWatermarkChars) this.resumeTarget();
  }

  /**
   * A terminal (re)connected: whatever the old one never acknowledged is
   * forgotten, or a closed browser tab would keep the guest paused forever.
   */
  reset(): void {
    this.unacked = 0;
    this.resumeTarget();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get outstanding(): number {
    return this.unacked;
  }

  /** The last ReplayChars of output, for a terminal that connects late. */
  get replay(): string {
    return this.tail;
  }

  clearReplay(): void {
    this.tail = '';
  }

  /** Another workspace's console: a terminal that (re)connects repaints this. */
  replaceReplay(text: string): void {
    this.flush();
    this.tail = text.slice(-ReplayChars);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = '';
    this.dataEmitter.dispose();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch) return;
    // reset before emitting: a listener may push more output synchronously
    const data = this.batch;
    this.batch = '';
    this.tail = (this.tail + data).slice(-ReplayChars);
    this.unacked += data.length;
    if (!this.paused && this.target && this.unacked > HighWatermarkChars) {
      this.paused = true;
      this.target.pause();
    }
    this.dataEmitter.fire(data);
  }

  private resumeTarget(): void {
    if (!this.paused) return;
    this.paused = false;
    this.target?.resume();
  }
}
