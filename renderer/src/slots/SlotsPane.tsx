import type { SlotsSnapshot, VmStatus } from '../../../app/api';
import { formatSize, hexRows } from './format';

interface Props {
  vm: VmStatus;
  grading: boolean;
  snapshot?: SlotsSnapshot;
  onRefresh(): void;
}

const SLOTS = 8;
/** A card is two rows of eight bytes: what fits beside another card; the rest is in the tooltip. */
const SHOWN_BYTES = 16;
const ROW_BYTES = 8;
/** Bars are drawn against this at least, so eight 4 KiB slots do not look "full". */
const BAR_FLOOR_BYTES = 64 * 1024;

/** The eight slots of /proc/kshram with their sizes and first bytes, as the agent saw them. */
export function SlotsPane({ vm, grading, snapshot, onRefresh }: Props) {
  const running = vm.phase === 'running' || vm.phase === 'crashed';
  let body;
  if (!running && grading) body = <div className="empty">The grader runs in a VM of its own; boot yours afterwards to explore the slots.</div>;
  else if (vm.phase === 'building' || vm.phase === 'booting') body = <div className="empty">Waiting for the guest to boot…</div>;
  else if (!running) body = <div className="empty">Boot the VM to see the slots of /proc/kshram.</div>;
  else if (!snapshot) body = <div className="empty">Waiting for the guest…</div>;
  else if (snapshot.error) body = <div className="empty error-text">Could not read the slots: {snapshot.error}</div>;
  else if (!snapshot.loaded) body = <div className="empty">kshram.ko is not loaded: there is no /proc/kshram. Load it in the terminal with <code>insmod /lib/kshram/kshram.ko</code>.</div>;
  else {
    const crashed = vm.phase === 'crashed';
    const largest = Math.max(BAR_FLOOR_BYTES, ...snapshot.slots.map((s) => s.size ?? 0));
    body = (
      <div className="slot-grid">
        {Array.from({ length: SLOTS }, (_, index) => {
          const slot = snapshot.slots.find((s) => s.index === index) ?? { index };
          return (
            <div key={index} className="slot-card" data-testid="slot-card" data-size={slot.size ?? ''}>
              <div className="slot-head">
                <span className="slot-name">kshram{index}</span>
                <span className="slot-size">{slot.size === undefined ? 'missing in /proc/kshram' : formatSize(slot.size)}</span>
              </div>
              <div className="slot-bar">
                <div style={{ width: `${Math.max(2, ((slot.size ?? 0) / largest) * 100)}%` }} />
              </div>
              {slot.hex !== undefined && (
                <pre className="slot-hex" title={hexRows(slot.hex, ROW_BYTES).map((r) => `${r.offset}  ${r.hex}  ${r.ascii}`).join('\n')}>
                  {hexRows(slot.hex.slice(0, SHOWN_BYTES * 2), ROW_BYTES).map((row) => (
                    <div key={row.offset}>
                      {row.hex} <span className="ascii">{row.ascii}</span>
                    </div>
                  ))}
                </pre>
              )}
              {crashed && slot.hex === undefined ? <div className="slot-error">the VM crashed</div> : slot.error && <div className="slot-error">{slot.error}</div>}
            </div>
          );
        })}
        <div className="slot-note dim small" data-testid="slot-note">{slotNote(snapshot, crashed)}</div>
      </div>
    );
  }
  return (
    <section className="panel slots-panel">
      <header className="panel-head">
        <h2>Slots</h2>
        {snapshot?.loaded && <span className="dim small">/proc/kshram{snapshot.slots.some((s) => s.hex !== undefined) ? ' · first bytes' : ''} · {new Date(snapshot.takenAt).toLocaleTimeString()}</span>}
        {snapshot?.malformed.length ? <span className="warning-text small" title={snapshot.malformed.join('\n')}>{snapshot.malformed.length} malformed line(s)</span> : null}
        <div className="fill" />
        <button className="icon-button" onClick={onRefresh} disabled={!running} title="Refresh now (through the agent, not your console)">
          ↻
        </button>
      </header>
      {body}
    </section>
  );
}

/** Why the cards show what they show: the slot view maps slots only when it is safe to. */
function slotNote(snapshot: SlotsSnapshot, crashed: boolean): string {
  if (crashed) return 'The VM crashed: these are the slots as last seen before the crash. Nothing is read from the guest any more; boot again after fixing the bug.';
  if (snapshot.consoleBusy) return 'Your program is still running: the first bytes are read once it has finished.';
  if (!snapshot.slots.some((s) => s.hex !== undefined)) return 'Sizes from /proc/kshram. The first bytes are shown after a command you run has finished (reading them maps each slot).';
  return '';
}
