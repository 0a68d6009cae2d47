import { useEffect, useState } from 'react';
import type { DebugMemory, DebugVariable, LabClient } from '../../../app/api';
import { errorData } from '../client/errors';
import { hexRows } from '../slots/format';

/** Bytes a row of a pointer's dump shows, as in the slot view's tooltip. */
const ROW_BYTES = 16;
/** Indent per level of the tree. */
const INDENT_PX = 12;

/** Which rows are open, by path ("v/slot/buf"): kept across stops and frames, as VS Code does. */
export interface Expansion {
  open: ReadonlySet<string>;
  toggle(path: string): void;
}

interface Props {
  client: LabClient;
  variable: DebugVariable;
  /** The row's place in its tree: the parent's path and its name. */
  path: string;
  expansion: Expansion;
  depth: number;
  /** The stop the values are from: an open row reads its parts again at each. */
  seq: number;
  /** A watch row: its remove button. */
  onRemove?(): void;
}

/** What an open row shows below itself: its parts, or the bytes it points at. */
type Parts = { children: DebugVariable[] } | { memory: DebugMemory } | { error: string };

/**
 * One value in the Variables or Watch tree: name, value (type on hover),
 * highlighted when the last stop changed it; a struct or pointer opens to
 * its parts, a byte pointer (slot->buf) to the bytes it points at in hex.
 */
export function VariableRow({ client, variable, path, expansion, depth, seq, onRemove }: Props) {
  const open = expansion.open.has(path);
  const [parts, setParts] = useState<Parts>();
  const expandable = !!variable.ref || !!variable.bytes;
  const { ref, bytes } = variable;

  useEffect(() => {
    if (!open) return;
    let live = true;
    const read = ref ? client.invoke('debug.children', { ref }).then((children) => ({ children })) : bytes ? client.invoke('debug.memory', bytes).then((memory) => ({ memory })) : undefined;
    void read?.then(
      (p) => live && setParts(p),
      (err) => live && setParts({ error: errorData(err).message }),
    );
    return () => {
      live = false;
    };
  }, [client, open, ref, bytes?.address, bytes?.length, seq]);

  const value = variable.error ?? variable.value;
  return (
    <>
      <div
        className={`debug-var${variable.changed ? ' changed' : ''}${variable.error ? ' error' : ''}`}
        style={{ paddingLeft: 4 + depth * INDENT_PX }}
        onClick={() => expandable && expansion.toggle(path)}
        title={variable.type ? `${variable.name}: ${variable.type}` : undefined}
        data-testid="debug-var"
        data-name={variable.name}
        data-changed={variable.changed ? 'true' : undefined}
      >
        <span className={`codicon ${expandable ? (open ? 'codicon-chevron-down' : 'codicon-chevron-right') : 'codicon-blank'}`} />
        <span className="debug-var-name">{variable.name}</span>
        <span className="debug-var-sep">: </span>
        <span className={`debug-var-value${/^<.*>$/.test(value) ? ' dim' : ''}`} data-testid="debug-var-value">
          {value}
        </span>
        {onRemove && (
          <button
            className="debug-icon-button codicon codicon-close"
            title="Remove this watch"
            aria-label={`Remove watch ${variable.name}`}
            onClick={(e) => {
              e.stopPropagation();
              onRemove();
            }}
          />
        )}
      </div>
      {open && !parts && <div className="debug-var dim" style={{ paddingLeft: 4 + (depth + 1) * INDENT_PX }}>reading…</div>}
      {open && parts && 'error' in parts && <div className="debug-var error" style={{ paddingLeft: 4 + (depth + 1) * INDENT_PX }}>{parts.error}</div>}
      {open && parts && 'children' in parts && parts.children.map((child) => <VariableRow key={child.name} client={client} variable={child} path={`${path}/${child.name}`} expansion={expansion} depth={depth + 1} seq={seq} />)}
      {open && parts && 'memory' in parts && <MemoryRows memory={parts.memory} depth={depth + 1} />}
    </>
  );
}

function MemoryRows({ memory, depth }: { memory: DebugMemory; depth: number }) {
  if (memory.error) return <div className="debug-var error" style={{ paddingLeft: 4 + depth * INDENT_PX }}>{memory.error}</div>;
  return (
    <pre className="debug-memory" style={{ paddingLeft: 22 + depth * INDENT_PX }} data-testid="debug-memory">
      {hexRows(memory.hex, ROW_BYTES).map((row) => (
        <div key={row.offset}>
          <span className="dim">{row.offset}</span> {row.hex} <span className="ascii">{row.ascii}</span>
        </div>
      ))}
    </pre>
  );
}
