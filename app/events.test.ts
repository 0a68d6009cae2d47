import { describe, expect, it } from 'vitest';
import { DisposableStore, Emitter, onAbort, toDisposable } from './events.js';

describe('DisposableStore', () => {
  it('undoes everything added, once, and what is added later at once', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const store = new DisposableStore();
    store.add(emitter.event((n) => seen.push(n)));
    let undone = 0;
    store.add(toDisposable(() => undone++));
    emitter.fire(1);
    store.dispose();
    store.dispose();
    emitter.fire(2);
    expect(seen).toEqual([1]);
    expect(undone).toBe(1);
    store.add(toDisposable(() => undone++));
    expect(undone).toBe(2);
  });

  it('disposes one item early and only once', () => {
    const store = new DisposableStore();
    let undone = 0;
    const item = store.add(toDisposable(() => undone++));
    store.delete(item);
    store.dispose();
    expect(undone).toBe(1);
  });
});

describe('onAbort', () => {
  it('calls back on abort until disposed', () => {
    const controller = new AbortController();
    let calls = 0;
    const listening = onAbort(controller.signal, () => calls++);
    listening.dispose();
    controller.abort();
    expect(calls).toBe(0);
    const again = new AbortController();
    onAbort(again.signal, () => calls++);
    again.abort();
    expect(calls).toBe(1);
  });
});
