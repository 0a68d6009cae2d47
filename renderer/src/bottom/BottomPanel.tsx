import type { ReactNode } from 'react';
import type { VmStatus } from '../../../app/api';

export type BottomTab = 'terminal' | 'gdb' | 'problems' | 'log';

/** One tab of the bottom panel and what it shows. */
export interface BottomTabSpec {
  id: BottomTab;
  label: string;
  /** Dim text after the label ("ttyS0", gdb's address). */
  detail?: string;
  /** A count in the tab (Problems), coloured by kind. */
  badge?: { count: number; kind: 'error' | 'warning' };
  /** Shortcut shown in the tab's tooltip. */
  shortcut?: string;
  body: ReactNode;
  /** Bodies that keep state (xterm) stay mounted while hidden; the others render only when shown. */
  keepMounted?: boolean;
  /** Scrolls as a list rather than filling the panel (Problems, Build output). */
  scroll?: boolean;
  /** No tab button for now (gdb's without a debug boot); a kept-mounted body stays ready. */
  hidden?: boolean;
}

interface Props {
  tabs: BottomTabSpec[];
  active: BottomTab;
  onSelect(tab: BottomTab): void;
  vm: VmStatus;
  /** Between the tab bar and the bodies: the crash banner, the debug bar. */
  bars?: ReactNode;
  /** Before the VM's pill in the tab bar: which build of kshram.ko the guest runs. */
  status?: ReactNode;
  /** The pill's text, when it says less than vm.message (the status and the pill's tooltip say the rest). */
  pill?: string;
}

/**
 * The panel under the editor: the guest's console, gdb's, Problems and
 * the build's output as tabs, the VM's state at the right of the tab bar,
 * and bars (the crash banner, the debug bar) above whichever tab is open.
 */
export function BottomPanel({ tabs, active, onSelect, vm, bars, status, pill }: Props) {
  return (
    <div className="bottom" data-part="panel">
      <div className="tabs small-tabs" role="tablist" aria-label="Panels">
        {tabs
          .filter((tab) => !tab.hidden)
          .map((tab) => (
          <button key={tab.id} role="tab" aria-selected={active === tab.id} className={`tab${active === tab.id ? ' active' : ''}`} onClick={() => onSelect(tab.id)} data-testid={`tab-${tab.id}`} title={tab.shortcut ? `${tab.label} (${tab.shortcut})` : undefined}>
            {tab.label} {tab.detail && <span className="dim">{tab.detail}</span>}
            {tab.badge && tab.badge.count > 0 && <span className={`tab-badge ${tab.badge.kind}`}>{tab.badge.count}</span>}
          </button>
          ))}
        <div className="tabs-fill" />
        {status}
        <span className={`vm-pill ${vm.phase}`} data-testid="vm-pill" title={vm.message}>
          {vm.phase === 'building' || vm.phase === 'booting' ? <span className="spinner" /> : null} {pill ?? vm.message}
        </span>
      </div>
      {bars}
      {tabs.map((tab) =>
        tab.keepMounted || active === tab.id ? (
          <div key={tab.id} className={`bottom-body${tab.scroll ? ' scroll' : ''}${active === tab.id ? '' : ' hidden'}`} role="tabpanel" data-focus-first={active === tab.id ? true : undefined}>
            {tab.body}
          </div>
        ) : null,
      )}
    </div>
  );
}
