import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';

export interface XtermHandle {
  size(): { cols: number; rows: number };
  focus(): void;
  /** Clears the screen and shows `text` (a session's earlier output, or nothing). */
  repaint(text: string): void;
}

/** Where a terminal's output comes from: written as it arrives; `written` runs once xterm has drawn it. */
export interface XtermSink {
  write(data: string, written?: () => void): void;
}

interface Props {
  /**
   * Connects the terminal to its output; returns the disconnect. Keep it
   * stable (useCallback): a new function is a new terminal.
   */
  connect(sink: XtermSink): () => void;
  /** Keystrokes; absent for a read-only terminal (a grade's console), which then shows no cursor. */
  onInput?(data: string): void;
  /** The terminal's size after a layout change, debounced, only when it changed. */
  onResize?(size: { cols: number; rows: number }): void;
  handle?: Ref<XtermHandle>;
  className?: string;
  testId?: string;
  /** For screen readers: what this terminal shows. */
  label?: string;
}

/** Resizes come in bursts while a pane is dragged; the listener hears the last. */
const RESIZE_DEBOUNCE_MS = 100;
const FALLBACK_SIZE = { cols: 100, rows: 30 };
/** Enough to scroll back through a whole grade's console. */
const SCROLLBACK_LINES = 5_000;

/**
 * xterm.js as a React component: the workbench's consoles (the guest's,
 * gdb's) and the course service's live runs are all this, fed by whatever
 * `connect` hooks it to.
 */
export function Xterm({ connect, onInput, onResize, handle, className = 'terminal-host', testId = 'terminal', label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const input = useRef(onInput);
  input.current = onInput;
  const resized = useRef(onResize);
  resized.current = onResize;
  const readOnly = !onInput;

  useEffect(() => {
    const terminal = new Terminal({
      fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: !readOnly,
      cursorInactiveStyle: readOnly ? 'none' : 'outline',
      disableStdin: readOnly,
      scrollback: SCROLLBACK_LINES,
      theme: { background: '#1e1e1e', foreground: '#d4d4d4', cursor: readOnly ? '#1e1e1e' : '#aeafad', selectionBackground: '#264f78' },
    });
    const fitAddon = new FitAddon();
    terminal.loadAddon(fitAddon);
    terminal.open(host.current!);
    term.current = terminal;

    const disconnect = connect({ write: (data, written) => terminal.write(data, written) });
    const typed = terminal.onData((data) => input.current?.(data));

    let timer: number | undefined;
    let last = '';
    const resize = (): void => {
      try {
        fitAddon.fit();
      } catch {
        return; // not laid out yet
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const size = `${terminal.cols}x${terminal.rows}`;
        if (size === last) return;
        last = size;
        resized.current?.({ cols: terminal.cols, rows: terminal.rows });
      }, RESIZE_DEBOUNCE_MS);
    };
    const observer = new ResizeObserver(resize);
    observer.observe(host.current!);
    resize();

    return () => {
      observer.disconnect();
      window.clearTimeout(timer);
      disconnect();
      typed.dispose();
      terminal.dispose();
      term.current = null;
    };
  }, [connect, readOnly]);

  useImperativeHandle(
    handle,
    () => ({
      size: () => {
        const t = term.current;
        return t && t.cols > 1 ? { cols: t.cols, rows: t.rows } : FALLBACK_SIZE;
      },
      focus: () => term.current?.focus(),
      repaint: (text) => {
        term.current?.reset();
        if (text) term.current?.write(text);
      },
    }),
    [],
  );

  return <div className={className} ref={host} data-testid={testId} aria-label={label} onClick={() => term.current?.focus()} />;
}
