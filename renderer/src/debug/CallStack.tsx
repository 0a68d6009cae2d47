import type { DebugFrame, DebugStack } from '../../../app/api';

interface Props {
  stack: DebugStack;
  selected: number;
  onSelect(level: number): void;
}

/** "__x64_sys_ioctl+0x90", as the kernel prints a code address; the address when nothing names it. */
function label(frame: DebugFrame): string {
  if (frame.function && frame.offset) return `${frame.function}+${frame.offset}`;
  return frame.function ?? frame.address;
}

function tooltip(frame: DebugFrame, stack: DebugStack): string {
  if (frame.origin === 'module') return `${frame.function} at ${frame.file}:${frame.line} (${frame.address})`;
  if (frame.scanned) {
    return `? ${label(frame)} (${frame.address}): found by scanning the stack, not unwound. The word points just after a call instruction in kernel code, like the kernel's own "? " lines; gdb cannot unwind the kernel without its debug info, so this frame is likely, not certain. No line, no variables.`;
  }
  if (stack.kernelSymbols && frame.function) return `${label(frame)} (${frame.address}): kernel code, named from the kit's System.map; the kernel has no debug info (no line, no variables)`;
  return `${frame.address}: kernel code; the kit's kernel has no debug info (no symbols, no variables)`;
}

/** Why the list ends where it does, when it ends before the syscall entry. */
function endNote(stack: DebugStack): string | undefined {
  if (!stack.cut) return undefined;
  if (!stack.kernelSymbols) return "gdb cannot unwind further without the kernel's debug info, and the kit has no System.map to name kernel code (kshram-lab kits install adds one)";
  return 'No syscall entry found further up the stack: the kernel frames above may be missing';
}

/**
 * The stopped CPU's frames, innermost first: the student's functions with
 * their line; kernel code dimmed, named from the kit's System.map
 * (`__x64_sys_ioctl+0x90`) or shown as an address without one. Frames
 * found by scanning the stack (gdb cannot unwind the kernel) start with
 * "? ", as in the kernel's own stack dumps. Clicking a frame shows its
 * variables and its line.
 */
export function CallStack({ stack, selected, onSelect }: Props) {
  const note = endNote(stack);
  return (
    <ul className="debug-stack" role="listbox" aria-label="Call stack">
      {stack.frames.map((frame) => (
        <li
          key={frame.level}
          role="option"
          aria-selected={frame.level === selected}
          className={`debug-frame ${frame.origin}${frame.scanned ? ' scanned' : ''}${frame.level === selected ? ' selected' : ''}`}
          onClick={() => onSelect(frame.level)}
          title={tooltip(frame, stack)}
          data-testid="debug-frame"
          data-origin={frame.origin}
          data-function={frame.function ?? ''}
          data-scanned={frame.scanned ? 'true' : undefined}
        >
          <span className="debug-frame-function">
            {frame.scanned && <span className="debug-frame-unsure">? </span>}
            {label(frame)}
          </span>
          <span className="debug-frame-where">{frame.file ? `${frame.file}:${frame.line}` : stack.kernelSymbols && frame.function ? 'kernel' : 'kernel · no symbols'}</span>
        </li>
      ))}
      {note && <li className="debug-frame-note">{note}</li>}
    </ul>
  );
}
