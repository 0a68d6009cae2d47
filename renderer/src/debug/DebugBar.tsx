import type { DebugState } from '../../../app/api';
import './debug.css';

type Action = 'continue' | 'step' | 'next' | 'finish' | 'interrupt';

interface Props {
  state: DebugState;
  onAction(action: Action): void;
}

const BUTTONS: Array<{ action: Action; label: string; title: string }> = [
  { action: 'continue', label: '▶ Continue', title: 'Let the guest run until the next breakpoint (gdb: continue)' },
  { action: 'next', label: '↷ Next', title: 'Run to the next line, over function calls (gdb: next)' },
  { action: 'step', label: '↓ Step', title: 'Run to the next line, into function calls (gdb: step)' },
  { action: 'finish', label: '↑ Finish', title: 'Run until this function returns (gdb: finish)' },
];

/** The debug boot's controls: where gdb holds the guest, and the buttons that drive it. */
export function DebugBar({ state, onAction }: Props) {
  const stopped = state.phase === 'stopped';
  const ended = state.phase === 'ended';
  return (
    <div className={`debug-bar ${state.phase}`} data-testid="debug-bar" data-phase={state.phase}>
      <span className="debug-title">gdb</span>
      {BUTTONS.map((b) => (
        <button key={b.action} className="debug-button" disabled={!stopped} title={b.title} onClick={() => onAction(b.action)} data-testid={`debug-${b.action}`}>
          {b.label}
        </button>
      ))}
      <button className="debug-button" disabled={state.phase !== 'running'} title="Stop the guest where it is (gdb: interrupt)" onClick={() => onAction('interrupt')} data-testid="debug-interrupt">
        ❚❚ Pause
      </button>
      <span className="debug-message" data-testid="debug-message" title={`QEMU's gdbstub: target remote 127.0.0.1:${state.port}`}>
        {state.message}
        {!ended && !state.symbolsLoaded ? ' · kshram.ko not loaded yet: breakpoints wait for it' : ''}
      </span>
    </div>
  );
}
