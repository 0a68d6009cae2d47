import { useTabFocusMode } from '../keyboard/useTabFocusMode';
import type { BuildOutcome, EnvStatus, GradeProgress, VmStatus } from '../../../app/api';

interface Props {
  env?: EnvStatus;
  vm: VmStatus;
  building: boolean;
  build?: BuildOutcome;
  grade?: GradeProgress;
  transport: 'electron' | 'web';
  /** Opens the keyboard shortcuts' page. */
  onHelp(): void;
}

const PHASE_CLASS: Record<VmStatus['phase'], string> = { stopped: 'idle', building: 'busy', booting: 'busy', running: 'good', crashed: 'bad', exited: 'idle' };

export function StatusBar({ env, vm, building, build, grade, transport, onHelp }: Props) {
  const [tabMovesFocus, setTabMovesFocus] = useTabFocusMode();
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span title={env?.kitError?.message}>
        <span className={`dot ${env?.kitError ? 'bad' : 'good'}`} /> kit {env?.activeKit ?? '…'}
        {env?.kits.find((k) => k.name === env.activeKit)?.kernelRelease ? ` · Linux ${env.kits.find((k) => k.name === env.activeKit)!.kernelRelease}` : ''}
      </span>
      <span title={env?.accel?.reason ?? env?.qemu.error?.message}>{env ? (env.qemu.ok ? `QEMU · ${env.accel ? env.accel.accel.toUpperCase() : '…'}` : 'QEMU missing') : ''}</span>
      <span className={`vm-state ${PHASE_CLASS[vm.phase]}`} data-testid="vm-state" data-phase={vm.phase}>
        <span className={`dot ${PHASE_CLASS[vm.phase]}`} /> VM {vm.phase}
        {vm.phase !== 'stopped' ? ` · ${vm.message}` : ''}
      </span>
      {building && <span>⚒ building…</span>}
      {!building && build && (
        <span data-testid="status-build" data-ok={build.ok} title={`kit ${build.kit}, ${(build.elapsedMs / 1000).toFixed(1)} s`}>
          {build.ok ? '✔ built' : '✘ build failed'} {new Date(build.finishedAt).toLocaleTimeString()}
        </span>
      )}
      {grade?.running && <span>✔ grading · {grade.stageDetail}</span>}
      <span className="fill" />
      {tabMovesFocus && (
        <button className="status-button" onClick={() => setTabMovesFocus(false)} title="Tab moves the focus instead of inserting a tab in the editor (Ctrl+M toggles it); click to turn off" data-testid="tab-moves-focus">
          Tab moves focus
        </button>
      )}
      <button className="status-button" onClick={onHelp} title="Keyboard shortcuts (F1 or ?)" data-testid="shortcuts-button">
        ⌨ Shortcuts
      </button>
      <span className="dim">{transport === 'electron' ? 'desktop' : 'web mode · 127.0.0.1'}</span>
    </footer>
  );
}
