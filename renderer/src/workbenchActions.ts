import type { RefObject } from 'react';
import type { LabClient, VmStatus } from '../../app/api';
import type { BottomTab } from './bottom/BottomPanel';
import { gradeQuestion } from './chrome/confirmations';
import { errorData } from './client/errors';
import type { EditorHandle } from './editor/EditorPane';
import type { Session } from './useSession';
import type { TerminalHandle } from './terminal/TerminalPane';
import { isVmLive } from './vm/phases';

/** The terminal's size before it has been laid out. */
const FALLBACK_TERMINAL = { cols: 100, rows: 30 };

interface Context {
  client: LabClient;
  session: Session;
  editor: RefObject<EditorHandle | null>;
  terminal: RefObject<TerminalHandle | null>;
  gdbTerminal: RefObject<TerminalHandle | null>;
  showTab: (tab: BottomTab) => void;
  /** Boot and Grade options the toolbar holds. */
  options: { loadModule: boolean; checked: boolean };
  /** A grade of the workbench's own starts: the Grade pane shows it (not the course service's run). */
  onLocalGrade?: () => void;
}

export interface WorkbenchActions {
  /** Saves every modified file; false (and a notice) when one could not be saved. */
  saveAll: () => Promise<boolean>;
  /** Saves (unless a save started it) and builds; a failure shows Problems unless the VM's console is in view. */
  build: (fromSave?: boolean) => Promise<void>;
  boot: (debug?: boolean) => Promise<void>;
  stop: () => Promise<unknown>;
  grade: () => Promise<void>;
  cancelGrade: () => Promise<unknown>;
}

/** What the toolbar's buttons and the shortcuts do, in one place. */
export function workbenchActions({ client, session, editor, terminal, gdbTerminal, showTab, options, onLocalGrade }: Context): WorkbenchActions {
  const { notifyError, dispatch } = session;
  const vm = (): VmStatus => session.state.vm;

  const saveAll = async (): Promise<boolean> => {
    try {
      await editor.current?.saveAll();
      return true;
    } catch (err) {
      notifyError(err, 'Could not save: ');
      return false;
    }
  };

  const build = async (fromSave = false): Promise<void> => {
    if (!fromSave && !(await saveAll())) return;
    try {
      const outcome = await client.invoke('build.run', {});
      if (!outcome.ok && (!fromSave || !isVmLive(vm().phase))) showTab('problems');
    } catch (err) {
      notifyError(err, 'Build: ');
      showTab('problems');
    }
  };

  const boot = async (debug = false): Promise<void> => {
    if (!(await saveAll())) return;
    showTab('terminal');
    terminal.current?.repaint('');
    gdbTerminal.current?.repaint('');
    dispatch({ type: 'debug', state: undefined });
    const size = terminal.current?.size() ?? FALLBACK_TERMINAL;
    // the console takes the focus once the guest is up, unless the student went on typing elsewhere meanwhile
    const focusedAtClick = document.activeElement;
    try {
      const { loadModule, checked } = options;
      const status = await (debug ? client.invoke('debug.boot', { ...size, loadModule, wait: false }) : client.invoke('vm.boot', { ...size, loadModule, checked }));
      if (status.phase === 'running' && document.activeElement === focusedAtClick) terminal.current?.focus();
    } catch (err) {
      notifyError(err, 'Boot: ');
    }
  };

  const grade = async (): Promise<void> => {
    const question = gradeQuestion(vm());
    if (question && !window.confirm(question)) return;
    if (!(await saveAll())) return;
    showTab('terminal');
    onLocalGrade?.();
    try {
      await client.invoke('grade.run', { checked: options.checked });
    } catch (err) {
      // the grade panel shows what went wrong; a cancel needs no toast
      if (errorData(err).code !== 'CANCELLED') notifyError(err, 'Grade: ');
    }
  };

  return {
    saveAll,
    build,
    boot,
    stop: () => client.invoke('vm.stop', {}).catch(notifyError),
    grade,
    cancelGrade: () => client.invoke('grade.cancel', {}).catch(notifyError),
  };
}
