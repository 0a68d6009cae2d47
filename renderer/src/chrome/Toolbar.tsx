import type { EnvStatus, GradeProgress, VmStatus, WorkspaceInfo } from '../../../app/api';
import { withKeys } from '../keyboard/shortcuts';
import { Icon } from './Icon';
import { shortPath } from './shortPath';
import { isVmLive } from '../vm/phases';
import { useClickGuard } from './clickGuard';

interface Props {
  workspace?: WorkspaceInfo;
  env?: EnvStatus;
  vm: VmStatus;
  building: boolean;
  grade?: GradeProgress;
  loadModule: boolean;
  onLoadModule(on: boolean): void;
  /** Boot and grade with the kernel's checkers (a debug kit always checks). */
  checked: boolean;
  onChecked(on: boolean): void;
  onWorkspace(): void;
  onBuild(): void;
  /** The five below may return their promise: the button takes clicks again once it settles. */
  onBoot(): unknown;
  /** Boot with QEMU's gdbstub and gdb attached (app/debug/). */
  onDebug(): unknown;
  onStop(): unknown;
  onGrade(): unknown;
  onCancelGrade(): unknown;
  onKit(name: string): void;
  /** Submit to the course service (renderer/src/submit/): shown always; without a service set up it asks for one. */
  submit: { url?: string; busy: boolean; onSubmit(): unknown };
}

/** Build, Boot/Stop, Grade and the kit: the workbench's main actions, left to right in the order a student uses them. */
export function Toolbar(props: Props) {
  const { workspace, env, vm, building, grade } = props;
  const grading = !!grade?.running;
  const vmUp = isVmLive(vm.phase);
  const noKit = !!env?.kitError;
  // a debug kit's kernel checks every run, asked or not
  const debugKit = !!env?.kits.find((k) => k.name === env.activeKit)?.debug;
  const home = workspace && shortPath(workspace.dir);
  // Boot/Stop and Grade/Cancel each turn into their opposite: a double click must not undo itself
  const vmClick = useClickGuard(vmUp ? 'stop' : 'boot');
  const gradeClick = useClickGuard(grading ? 'cancel' : 'grade');
  return (
    <header className="toolbar" data-part="toolbar">
      <div className="brand">
        <span className="brand-mark">k</span> <span className="brand-name">kshram lab</span>
      </div>
      <button className="workspace-button" onClick={props.onWorkspace} title={workspace?.dir ?? 'Open or create a workspace'} data-testid="workspace-button">
        <span className="dim narrow-hide">workspace</span> {home ?? 'none'} ▾
      </button>
      <div className="separator" />
      <button onClick={props.onBuild} disabled={!workspace || building || noKit} data-testid="build-button" title={withKeys("Save and compile kshram.c with the kit's kernel headers", 'build')}>
        {building ? <span className="spinner" /> : <Icon name="tools" />} Build
      </button>
      {vmUp ? (
        <button onClick={(e) => vmClick(e, props.onStop)} className="danger" data-testid="stop-button" title={withKeys('Power the VM off', 'stop')}>
          <Icon name="stop" /> Stop
        </button>
      ) : (
        <button onClick={(e) => vmClick(e, props.onBoot)} disabled={!workspace || grading || noKit || !env?.qemu.ok} data-testid="boot-button" title={withKeys('Save, build, and boot Linux with your module; the console opens below', 'boot')}>
          <Icon name="play" /> Boot
        </button>
      )}
      {!vmUp && (
        <button onClick={(e) => vmClick(e, props.onDebug)} disabled={!workspace || grading || noKit || !env?.qemu.ok} data-testid="debug-button" title={withKeys("Boot with gdb attached (QEMU's gdbstub, like qemu.sh debug): breakpoints from the editor's gutter", 'debug')}>
          <Icon name="debug" /> Debug
        </button>
      )}
      <label className="toggle" title="insmod kshram.ko as soon as the guest is up">
        <input type="checkbox" checked={props.loadModule} onChange={(e) => props.onLoadModule(e.target.checked)} /> <span className="narrow-hide">load kshram.ko at boot</span>
        <span className="narrow-only">insmod</span>
      </label>
      <label className="toggle" title="Boot and grade with the kernel's checkers on (slub_debug and page poisoning on stock kits; KASAN, lockdep, kmemleak on a debug kit): what they report shows as a problem at your line, and costs no points" data-testid="check-toggle">
        <input type="checkbox" checked={props.checked || debugKit} disabled={debugKit || grading || vmUp} onChange={(e) => props.onChecked(e.target.checked)} /> Check
      </label>
      <div className="separator" />
      {grading ? (
        <button onClick={(e) => gradeClick(e, props.onCancelGrade)} className="danger" data-testid="cancel-grade-button">
          <Icon name="close" /> Cancel grade
        </button>
      ) : (
        <button onClick={(e) => gradeClick(e, props.onGrade)} className="primary" disabled={!workspace || noKit || !env?.qemu.ok} data-testid="grade-button" title={withKeys('Save and grade the 8 items in a fresh VM, like the course server', 'grade')}>
          <Icon name="check" /> Grade
        </button>
      )}
      <button
        onClick={props.submit.onSubmit}
        disabled={!workspace || noKit || props.submit.busy}
        data-testid="submit-button"
        aria-label="Submit to the course service"
        title={withKeys(props.submit.url ? `Save, build and submit your sources to the course service at ${props.submit.url}; its run shows in the Grade pane` : 'Submit to your course’s grading service: it needs the service’s address and your token first', 'submit')}
      >
        {props.submit.busy ? <span className="spinner" /> : '⇪'} <span className="narrow-hide">Submit</span>
      </button>
      <div className="fill" />
      {env && (
        <label className="kit-select" title={env.kitError ? env.kitError.message : 'The kernel to build against and boot'}>
          <span className={`dot ${env.kitError ? 'bad' : 'good'}`} />
          <span className="dim narrow-hide">kit</span>
          <select value={env.activeKit} onChange={(e) => props.onKit(e.target.value)} disabled={vmUp || grading} data-testid="kit-select">
            {env.kits.map((k) => (
              <option key={k.name} value={k.name} disabled={!k.installed || !!k.error}>
                {k.name}
                {k.kernelRelease ? ` · Linux ${k.kernelRelease}` : k.installed ? ' (broken)' : ' (not installed)'}
              </option>
            ))}
          </select>
        </label>
      )}
    </header>
  );
}
