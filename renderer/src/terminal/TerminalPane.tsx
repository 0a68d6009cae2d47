import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type { LabClient } from '../../../app/api';

export interface TerminalHandle {
  size(): { cols: number; rows: number };
  focus(): void;
  /** Clears the screen and shows a session's earlier output (after a reload). */
  repaint(text: string): void;
}

interface Props {
  client: LabClient;
  /** Acknowledge output in steps of this many characters (from app.info). */
  ackChars: number;
  /** Keystrokes go to the guest only while it runs. */
  interactive: boolean;
  handle: Ref<TerminalHandle>;
  /** Which pty this terminal shows: the guest's console (default) or a debug boot's gdb. */
  source?: 'console' | 'gdb';
}

/** Resizes come in bursts while a pane is dragged; the engine hears the last. */
const RESIZE_DEBOUNCE_MS = 100;
const FALLBACK_SIZE = { cols: 100, rows: 30 };

/**
 * The guest's serial console. Output is written as it comes and
 * acknowledged once xterm has drawn it, which is what lets the engine
 * pause the VM's console when the page cannot keep up.
 */
export function TerminalPane({ client, ackChars, interactive, handle, source = 'console' }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const live = useRef(interactive);
  live.current = interactive;

  useEffect(() => {
    const terminal = new Terminal({
      fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5_000,
      theme: { background: '#1e1e1e', foreground: '#d4d4d4', cursor: '#aeafad', selectionBackground: '#264f78' },
    });
    const fitAddon = new FitAddon();
    terminal.loadAddon(fitAddon);
    terminal.open(host.current!);
    term.current = terminal;
    fit.current = fitAddon;

    let unacked = 0;
    const gdb = source === 'gdb';
    const onOutput = ({ data }: { data: string }): void => {
      terminal.write(data, () => {
        unacked += data.length;
        if (unacked >= ackChars) {
          const chars = unacked;
          unacked = 0;
          void (gdb ? client.invoke('debug.ack', { chars }) : client.invoke('console.ack', { chars })).catch(() => undefined);
        }
      });
    };
    const offData = gdb ? client.on('debug.console', onOutput) : client.on('console.data', onOutput);
    const input = terminal.onData((data) => {
      if (live.current) void (gdb ? client.invoke('debug.input', { data }) : client.invoke('console.input', { data })).catch(() => undefined);
    });

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
        const dims = { cols: terminal.cols, rows: terminal.rows };
        void (gdb ? client.invoke('debug.resize', dims) : client.invoke('console.resize', dims)).catch(() => undefined);
      }, RESIZE_DEBOUNCE_MS);
    };
    const observer = new ResizeObserver(resize);
    observer.observe(host.current!);
    resize();

    return () => {
      observer.disconnect();
      window.clearTimeout(timer);
      offData();
      input.dispose();
      terminal.dispose();
      term.current = null;
    };
  }, [client, ackChars, source]);

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

  return <div className="terminal-host" ref={host} data-testid={source === 'gdb' ? 'gdb-terminal' : 'terminal'} onClick={() => term.current?.focus()} />;
}
