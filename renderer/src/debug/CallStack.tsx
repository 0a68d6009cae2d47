import type { DebugStack } from '../../../app/api';

interface Props {
  stack: DebugStack;
  selected: number;
  onSelect(level: number): void;
}

/**
 * The stopped CPU's frames, innermost first: the student's functions with
 * their line; kernel code dimmed, as an address, since the kits' kernels
 * have no debug info ("no symbols"). Clicking a frame shows its variables
 * and its line.
 */
export function CallStack({ stack, selected, onSelect }: Props) {
  return (
    <ul className="debug-stack" role="listbox" aria-label="Call stack">
      {stack.frames.map((frame) => (
        <li
          key={frame.level}
          role="option"
          aria-selected={frame.level === selected}
          className={`debug-frame ${frame.origin}${frame.level === selected ? ' selected' : ''}`}
          onClick={() => onSelect(frame.level)}
          title={frame.origin === 'kernel' ? `${frame.address}: kernel code; the kit's kernel has no debug info (no symbols, no variables)` : `${frame.function} at ${frame.file}:${frame.line} (${frame.address})`}
          data-testid="debug-frame"
          data-origin={frame.origin}
          data-function={frame.function ?? ''}
        >
          <span className="debug-frame-function">{frame.function ?? frame.address}</span>
          <span className="debug-frame-where">{frame.file ? `${frame.file}:${frame.line}` : 'kernel · no symbols'}</span>
        </li>
      ))}
      {stack.cut && <li className="debug-frame-note">gdb cannot unwind further without the kernel's debug info</li>}
    </ul>
  );
}
