import type { SlotsSnapshot } from '../api/contract.js';

/** A console command has finished when its output has been quiet this long. */
export const QuietAfterCommandMs = 300;
/** Each refresh runs a program in the guest: at most one a second. */
export const MinRefreshIntervalMs = 1_000;

/** What a refresh asks of the guest. */
export interface SlotsRequest {
  /** Map the slots to show their first bytes (else sizes from /proc/kshram only). */
  mapSlots: boolean;
}

/**
 * Refreshes the slot view after each console command (a line was entered
 * and the output went quiet) and on request, never more than once a
 * second and never two at a time. Snapshots come from the agent, so the
 * user's console is never typed into.
 *
 * Mapping a slot runs the module's mmap, which a broken module can crash
 * on. So the view never maps on its own initiative before the student has
 * run a command (a crash at boot, before anything was typed, would be the
 * workbench's doing), never while a student's program still runs (the
 * guest checks the console's foreground), and never again once the kernel
 * has reported anything: `reportSeen` says so, until the next boot, which
 * makes a new refresher.
 */
export class SlotsRefresher {
  private awaitingQuiet = false;
  private commandFinished = false;
  private quietTimer: NodeJS.Timeout | undefined;
  private throttleTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<SlotsSnapshot> | undefined;
  private wantAnother = false;
  private lastStarted = 0;
  private last: SlotsSnapshot | undefined;
  private disposed = false;

  constructor(
    private readonly take: (request: SlotsRequest) => Promise<SlotsSnapshot>,
    private readonly publish: (snapshot: SlotsSnapshot) => void,
    private readonly reportSeen: () => boolean,
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

  /** A snapshot for a caller that asked (the student's refresh): the running one, a recent one, or a new one. */
  now(): Promise<SlotsSnapshot> {
    if (this.inFlight) return this.inFlight;
    if (this.last && Date.now() - this.lastStarted < MinRefreshIntervalMs) return Promise.resolve(this.last);
    // the student asked to see the slots: that is their command
    this.commandFinished = true;
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
      this.commandFinished = true;
      this.request();
    }, QuietAfterCommandMs);
  }

  private fire(): void {
    this.throttleTimer = undefined;
    this.request();
  }

  private run(): Promise<SlotsSnapshot> {
    this.lastStarted = Date.now();
    const running = this.take({ mapSlots: this.commandFinished && !this.reportSeen() }).then((snapshot) => {
      // the student's program still runs (quiet, not finished): look again when it talks or ends
      if (snapshot.consoleBusy) this.awaitingQuiet = true;
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
