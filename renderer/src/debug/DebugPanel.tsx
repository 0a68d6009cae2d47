import { useEffect, useState, type ReactNode } from 'react';
import type { DebugState, DebugVariable, LabClient } from '../../../app/api';
import { errorData } from '../client/errors';
import { CallStack } from './CallStack';
import type { FrameSelection } from './useSelectedFrame';
import { VariableRow, type Expansion } from './VariableRow';
import { MAX_WATCHES, useWatches } from './watches';
import './debug.css';

interface Props {
  client: LabClient;
  state: DebugState;
  selection: FrameSelection;
  /** The workspace's folder: watches are kept per workspace. */
  workspace: string;
}

type Rows = { rows: DebugVariable[] } | { note: string };

/**
 * The debugger's side panel while a debug boot runs: the selected frame's
 * Variables, the Watch expressions and the Call Stack, all read through
 * gdb's MI when the guest stops (app/debug/inspector.ts).
 */
export function DebugPanel({ client, state, selection, workspace }: Props) {
  const stop = state.phase === 'stopped' ? state.stop : undefined;
  const stack = stop?.stack;
  const [watches, setWatches] = useWatches(workspace);
  const [variables, setVariables] = useState<Rows>();
  const [watched, setWatched] = useState<Rows>();
  const kernelFrame = selection.frame?.origin === 'kernel';
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const expansion: Expansion = {
    open,
    toggle: (path) => setOpen((before) => {
      const after = new Set(before);
      if (!after.delete(path)) after.add(path);
      return after;
    }),
  };
  const { level, seq } = selection;

  useEffect(() => {
    setVariables(undefined);
    if (!stack) return;
    if (kernelFrame) return setVariables({ note: "Kernel code: the kit's kernel has no debug info, so gdb knows no variables here." });
    let live = true;
    client.invoke('debug.variables', { frame: level }).then(
      (rows) => live && setVariables(rows.length ? { rows } : { note: 'No arguments or locals here.' }),
      (err) => live && setVariables({ note: errorData(err).message }),
    );
    return () => {
      live = false;
    };
  }, [client, seq, !!stack, level, kernelFrame]);

  const watchKey = watches.join('\n');
  useEffect(() => {
    setWatched(undefined);
    if (!stack || !watches.length) return;
    let live = true;
    client.invoke('debug.watch', { frame: level, expressions: watches }).then(
      (rows) => live && setWatched({ rows }),
      (err) => live && setWatched({ note: errorData(err).message }),
    );
    return () => {
      live = false;
    };
  }, [client, seq, !!stack, level, watchKey]);

  const running = state.phase !== 'stopped';
  const idle = running ? 'The guest is running: values show when it stops at a breakpoint, or after Pause.' : stack ? undefined : 'Reading the stack…';
  return (
    <section className="panel debug-panel" data-testid="debug-panel">
      <Section title="Variables" testId="debug-variables">
        {idle ? <div className="debug-note">{idle}</div> : <Tree client={client} rows={variables} seq={seq} expansion={expansion} />}
      </Section>
      <Section title="Watch" testId="debug-watch">
        {!idle && watched && 'rows' in watched
          ? watched.rows.map((row, i) => <VariableRow key={watches[i]} client={client} variable={row} path={`w/${watches[i]}`} expansion={expansion} depth={0} seq={seq} onRemove={() => setWatches(watches.filter((_, j) => j !== i))} />)
          : watches.map((expression, i) => <VariableRow key={expression} client={client} variable={{ name: expression, value: idle ? '' : '…' }} path={`w/${expression}`} expansion={expansion} depth={0} seq={seq} onRemove={() => setWatches(watches.filter((_, j) => j !== i))} />)}
        {watched && 'note' in watched && <div className="debug-note error-text">{watched.note}</div>}
        <AddWatch disabled={watches.length >= MAX_WATCHES} onAdd={(expression) => !watches.includes(expression) && setWatches([...watches, expression])} />
      </Section>
      <Section title="Call Stack" testId="debug-stack">
        {idle ? <div className="debug-note">{idle}</div> : <CallStack stack={stack!} selected={level} onSelect={selection.select} />}
      </Section>
    </section>
  );
}

function Tree({ client, rows, seq, expansion }: { client: LabClient; rows: Rows | undefined; seq: number; expansion: Expansion }) {
  if (!rows) return <div className="debug-note">Reading…</div>;
  if ('note' in rows) return <div className="debug-note">{rows.note}</div>;
  return (
    <>
      {rows.rows.map((row) => (
        <VariableRow key={row.name} client={client} variable={row} path={`v/${row.name}`} expansion={expansion} depth={0} seq={seq} />
      ))}
    </>
  );
}

function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  const [open, setOpen] = useState(true);
  return (
    <div className={`debug-section${open ? '' : ' closed'}`} data-testid={testId}>
      <button className="debug-section-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className={`codicon ${open ? 'codicon-chevron-down' : 'codicon-chevron-right'}`} />
        {title}
      </button>
      {open && <div className="debug-section-body">{children}</div>}
    </div>
  );
}

function AddWatch({ disabled, onAdd }: { disabled: boolean; onAdd(expression: string): void }) {
  const [text, setText] = useState('');
  return (
    <form
      className="debug-add-watch"
      onSubmit={(e) => {
        e.preventDefault();
        const expression = text.trim();
        if (expression) onAdd(expression);
        setText('');
      }}
    >
      <input value={text} disabled={disabled} onChange={(e) => setText(e.target.value)} placeholder="Add an expression to watch (slot->size, *slot)" aria-label="Watch expression" data-testid="debug-watch-input" spellCheck={false} />
    </form>
  );
}
