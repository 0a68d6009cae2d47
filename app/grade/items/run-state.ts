/**
 * What one item leaves for a later one, explicitly: the items otherwise
 * share nothing but the guest.
 */
export interface RunState {
  /** What unload test #1 (item 4) left behind, to explain a reload (item 5) that fails. */
  unloadLeftovers: string[];
  /** Kernel threads before kshram was last loaded, to find the ones it started and left running. */
  threadsBeforeLoad?: Set<string>;
}

export function newRunState(): RunState {
  return { unloadLeftovers: [] };
}

/** Why a reload may fail: what unload test #1 left behind ('' when it left nothing). */
export function reloadHint(state: RunState): string {
  return state.unloadLeftovers.length ? `; unload test #1 left ${state.unloadLeftovers.join(', ')} behind` : '';
}
