import type { ApiEvent, EventName, EventPayloads } from '../../../app/api';

type Listener = (payload: never) => void;

/** Event subscriptions by name, shared by both client implementations. */
export class Listeners {
  private readonly byName = new Map<EventName, Set<Listener>>();

  add<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  dispatch(event: ApiEvent): void {
    for (const listener of this.byName.get(event.name) ?? []) (listener as (p: unknown) => void)(event.payload);
  }
}
