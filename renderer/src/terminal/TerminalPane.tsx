import { useCallback, type Ref } from 'react';
import type { LabClient } from '../../../app/api';
import { Xterm, type XtermHandle, type XtermSink } from '../../shared/terminal/Xterm';

export type TerminalHandle = XtermHandle;

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

/**
 * The guest's serial console (or a debug boot's gdb). Output is written as
 * it comes and acknowledged once xterm has drawn it, which is what lets the
 * engine pause the VM's console when the page cannot keep up.
 */
export function TerminalPane({ client, ackChars, interactive, handle, source = 'console' }: Props) {
  const gdb = source === 'gdb';
  const connect = useCallback(
    (sink: XtermSink) => {
      let unacked = 0;
      const onOutput = ({ data }: { data: string }): void => {
        sink.write(data, () => {
          unacked += data.length;
          if (unacked >= ackChars) {
            const chars = unacked;
            unacked = 0;
            void (gdb ? client.invoke('debug.ack', { chars }) : client.invoke('console.ack', { chars })).catch(() => undefined);
          }
        });
      };
      return gdb ? client.on('debug.console', onOutput) : client.on('console.data', onOutput);
    },
    [client, ackChars, gdb],
  );
  const onInput = useCallback(
    (data: string) => {
      if (interactive) void (gdb ? client.invoke('debug.input', { data }) : client.invoke('console.input', { data })).catch(() => undefined);
    },
    [client, gdb, interactive],
  );
  const onResize = useCallback(
    (dims: { cols: number; rows: number }) => void (gdb ? client.invoke('debug.resize', dims) : client.invoke('console.resize', dims)).catch(() => undefined),
    [client, gdb],
  );
  return <Xterm connect={connect} onInput={onInput} onResize={onResize} handle={handle} testId={gdb ? 'gdb-terminal' : 'terminal'} label={gdb ? 'gdb console' : 'the guest console (ttyS0)'} />;
}
