/** A listener registration that can be undone. */
export interface Disposable {
  dispose(): void;
}

/** Subscribe with a listener; get back how to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * A private source of one kind of event. Owners keep the Emitter and
 * expose only `emitter.event`, so nobody else can fire it.
 */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
