import type { SlotsSnapshot } from '../api/contract.js';

/** A console command has finished when its output has been quiet this long. */
export const QuietAfterCommandMs = 300;
/** Each refresh runs a program in the guest: at most one a second. */
export const MinRefreshIntervalMs = 1_000;

/**
 * Refreshes the slot view after each console command (a line was entered
 * and the output went quiet) and on request, never more than once a
 * second and never two at a time. Snapshots come from the agent, so the
 * user's console is never typed into.
 */
export class SlotsRefresher {
  private awaitingQuiet = false;
  private quietTimer: NodeJS.Timeout | undefined;
  private throttleTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<SlotsSnapshot> | undefined;
  private wantAnother = false;
  private lastStarted = 0;
  private last: SlotsSnapshot | undefined;
  private disposed = false;

  constructor(
    private readonly take: () => Promise<SlotsSnapshot>,
    private readonly publish: (snapshot: SlotsSnapshot) => void,
  ) {}

  /** Keystrokes for the console: a line ending means a command was entered. */
  noteInput(data: string): void {
    if (!/[\r\n]/.test(data)) return;
    this.awaitingQuiet = true;
    this.armQuiet();
  }

  /** Console output: the command is still talking. */
  noteOutput(): void {
    if (this.awaitingQuiet) this.armQuiet();
  }

  /** Refresh soon, within the rate limit. */
  request(): void {
    if (this.disposed) return;
    if (this.inFlight) {
      this.wantAnother = true;
      return;
    }
    const wait = this.lastStarted + MinRefreshIntervalMs - Date.now();
    if (wait > 0) this.throttleTimer ??= setTimeout(() => this.fire(), wait);
    else void this.run();
  }

  /** A snapshot for a caller that asked: the running one, a recent one, or a new one. */
  now(): Promise<SlotsSnapshot> {
    if (this.inFlight) return this.inFlight;
    if (this.last && Date.now() - this.lastStarted < MinRefreshIntervalMs) return Promise.resolve(this.last);
    return this.run();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.throttleTimer);
  }

  private armQuiet(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.awaitingQuiet = false;
      this.request();
    }, QuietAfterCommandMs);
  }

  private fire(): void {
    this.throttleTimer = undefined;
    this.request();
  }

  private run(): Promise<SlotsSnapshot> {
    this.lastStarted = Date.now();
    const running = this.take().then((snapshot) => {
      this.last = snapshot;
      if (!this.disposed) this.publish(snapshot);
      return snapshot;
    });
    this.inFlight = running;
    const settled = (): void => {
      this.inFlight = undefined;
      if (this.wantAnother) {
        this.wantAnother = false;
        this.request();
      }
    };
    running.then(settled, settled);
    return running;
  }
}
