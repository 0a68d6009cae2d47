/**
 * Runs work one piece after the other, in the order it was handed in,
 * whatever each piece takes. A piece that fails fails only its own run;
 * the next one still goes.
 */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work);
    this.last = next.catch(() => undefined);
    return next;
  }
}
