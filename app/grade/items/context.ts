import type { GraderGuest } from '../../guest-run/grader-guest.js';
import type { ItemRecorder } from './recorder.js';
import type { RunState } from './run-state.js';

/** What an item's run() is given: the guest, its own recorder, and what crosses items. */
export interface ItemContext {
  session: GraderGuest;
  /** This item's transcript and kernel log; runs its commands. */
  recorder: ItemRecorder;
  /** What earlier items left for later ones. */
  state: RunState;
  /** Set when kshram.c did not compile: item 3's verdict. */
  kshramBuildError?: { summary: string; evidence: string };
  /** Observations that do not change a verdict (the whole run's). */
  notes: string[];
}
