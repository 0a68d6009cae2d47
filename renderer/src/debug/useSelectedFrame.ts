import { useState } from 'react';
import type { DebugFrame, DebugState } from '../../../app/api';

export interface FrameSelection {
  /** The frame whose variables show, whose line is marked: 0 (where the guest stopped) until a Call Stack click. */
  level: number;
  frame?: DebugFrame;
  /** The stop it belongs to. */
  seq: number;
  select(level: number): void;
}

/** The Call Stack's selection: each new stop starts again at the innermost frame. */
export function useSelectedFrame(state: DebugState | undefined): FrameSelection {
  const [chosen, setChosen] = useState({ seq: -1, level: 0 });
  const stop = state?.phase === 'stopped' ? state.stop : undefined;
  const seq = stop?.seq ?? -1;
  const level = chosen.seq === seq ? chosen.level : 0;
  return { level, frame: stop?.stack?.frames.find((f) => f.level === level), seq, select: (l) => setChosen({ seq, level: l }) };
}
