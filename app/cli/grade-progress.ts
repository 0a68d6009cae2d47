import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import type { BatchEntry, BatchListener, BatchProgress } from '../grade/batch.js';
import { CHECKLIST } from '../grade/items/table.js';

/** How often the live table redraws, so running times tick without flooding the terminal. */
const REDRAW_MS = 250;

interface Row {
  student: string;
  progress: BatchProgress;
  entry?: BatchEntry;
}

/**
 * The batch's progress on stderr (stdout stays free for --json and the
 * final table): a live table on a terminal, one line per finished
 * submission otherwise.
 */
export class BatchProgressView {
  private readonly rows: Row[] = [];
  private readonly log = createLogUpdate(process.stderr);
  private readonly timer: NodeJS.Timeout | undefined;
  private finished = 0;

  constructor(
    private readonly total: number,
    // a terminal of no size (e.g. a pty nobody sized) cannot show a table: plain lines then
    private readonly live: boolean = Boolean(process.stderr.isTTY && process.stderr.rows > 0),
  ) {
    if (live) this.timer = setInterval(() => this.draw(), REDRAW_MS);
  }

  readonly listener: BatchListener = {
    onProgress: (index, student, progress) => {
      this.rows[index] = { ...this.rows[index], student, progress };
    },
    onEntry: (index, entry) => {
      this.rows[index] = { ...this.rows[index]!, entry };
      this.finished++;
      if (!this.live) process.stderr.write(`[${this.finished}/${this.total}] ${entry.student}: ${outcome(entry)} (${(entry.elapsedMs / 1000).toFixed(1)} s)\n`);
    },
  };

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) {
      this.draw();
      this.log.done();
    }
  }

  private draw(): void {
    const width = Math.max(7, ...this.rows.map((r) => r?.student.length ?? 0));
    const lines = this.rows.map((row) => {
      if (!row) return '';
      const state = row.entry ? outcome(row.entry) : phase(row.progress);
      const since = row.entry ? row.entry.elapsedMs : row.progress.startedAt ? Date.now() - row.progress.startedAt : undefined;
      return `${row.student.padEnd(width)}  ${(since === undefined ? '' : `${(since / 1000).toFixed(1)} s`).padStart(7)}  ${state}`;
    });
    this.log(`${pc.bold(`grading ${this.total} submissions: ${this.finished} done`)}\n${lines.join('\n')}`);
  }
}

function outcome(entry: BatchEntry): string {
  if (entry.status === 'error') return pc.red(`error: ${entry.error?.message ?? 'could not be graded'}`);
  const text = `${entry.total}/${entry.max}`;
  return entry.total === entry.max ? pc.green(`✔ ${text}`) : pc.yellow(`✘ ${text}`);
}

function phase(progress: BatchProgress): string {
  switch (progress.phase) {
    case 'running':
      return pc.cyan(`item ${progress.item}: ${CHECKLIST[(progress.item ?? 1) - 1]?.title ?? ''} (${progress.points} points so far)`);
    case 'queued':
      return pc.dim('queued');
    default:
      return pc.cyan(progress.phase);
  }
}
