import type { Disposable } from '../events.js';
import type { RunSymbols } from '../symbols/decode.js';
import type { Vm } from '../vm/vm.js';
import { checkedFindings, type CheckedFinding } from './findings.js';

/**
 * A report comes line by line; once the console has been quiet this long
 * it is whole (or as whole as it will get) and worth decoding.
 */
const REPORT_SETTLE_MS = 500;

/**
 * The findings of a checked boot in the workbench, as the kernel reports
 * them: each time a checker report has arrived and the console has
 * settled, every report so far is decoded to the student's line again.
 * (kmemleak is not here: it reports only when asked to scan, which a
 * checked grade does after the module is unloaded.)
 */
export class LiveFindings implements Disposable {
  private timer: NodeJS.Timeout | undefined;
  /** Reports (and how many of them were complete) when last decoded: nothing new, no work. */
  private decodedAt = '';
  private readonly listening: Disposable;
  private disposed = false;
  /** Reports before this one were about an earlier build of the module (see restart). */
  private from = 0;

  constructor(
    private readonly vm: Vm,
    private readonly symbols: () => RunSymbols | undefined,
    private readonly onFindings: (findings: CheckedFinding[]) => void,
  ) {
    this.listening = vm.onConsoleData(() => this.schedule());
  }

  /**
   * Another build of the module was loaded: only reports from now on are
   * its findings (the last build's are no longer about the code).
   */
  restart(): void {
    clearTimeout(this.timer);
    this.from = this.vm.crashes.sanitizerReports.length;
    this.decodedAt = '';
  }

  private schedule(): void {
    if (this.vm.crashes.sanitizerReports.length <= this.from) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), REPORT_SETTLE_MS);
  }

  private async update(): Promise<void> {
    const reports = this.vm.crashes.sanitizerReports.slice(this.from);
    const state = `${this.from}/${reports.length}/${reports.filter((r) => r.complete).length}/${reports.at(-1)?.text.length ?? 0}`;
    const symbols = this.symbols();
    if (this.disposed || !symbols || state === this.decodedAt) return;
    this.decodedAt = state;
    const findings = await checkedFindings(reports, [], symbols).catch(() => undefined);
    if (findings && !this.disposed) this.onFindings(findings);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.listening.dispose();
  }
}
