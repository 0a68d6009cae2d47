/** A listener registration, a timer, a process: anything that must be undone once. */
export interface Disposable {
  dispose(): void;
}

/** A Disposable that runs `undo` when disposed. */
export function toDisposable(undo: () => void): Disposable {
  return { dispose: undo };
}

/**
 * What an owner must undo, gathered where each is made (VS Code's
 * DisposableStore): `this.store.add(vm.onConsoleData(...))`, and one
 * `store.dispose()` undoes them all. Whatever is added after that is
 * disposed at once, so a late subscription never outlives its owner.
 */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** Disposes one item now and forgets it (a listener on a VM that was replaced). */
  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  dispose(): void {
    this.disposed = true;
    const items = [...this.items];
    this.items.clear();
    for (const item of items) item.dispose();
  }
}

/** Calls `onAbort` when `signal` aborts, until disposed. */
export function onAbort(signal: AbortSignal | undefined, onAbort: () => void): Disposable {
  signal?.addEventListener('abort', onAbort);
  return toDisposable(() => signal?.removeEventListener('abort', onAbort));
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
