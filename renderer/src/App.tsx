import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import type { ApiDiagnostic, ApiEvent, CheckedFindingInfo, EditorFile, EventName, LabClient } from '../../app/api';
import { Banners } from './chrome/Banners';
import { BuildToast } from './chrome/BuildToast';
import { gradeQuestion, leaveQuestion } from './chrome/confirmations';
import { useSaveShortcut } from './chrome/saveShortcut';
import { StatusBar } from './chrome/StatusBar';
import { Toolbar } from './chrome/Toolbar';
import { errorData } from './client/errors';
import { CrashBanner } from './crash/CrashBanner';
import { DebugBar } from './debug/DebugBar';
import { DebugOffer } from './debug/DebugOffer';
import { DebugPanel } from './debug/DebugPanel';
import { useSelectedFrame } from './debug/useSelectedFrame';
import { EditorPane, type EditorHandle } from './editor/EditorPane';
import { useStaleGrade } from './grade/staleGrade';
import { ProblemsPane } from './problems/ProblemsPane';
import { SlotsPane } from './slots/SlotsPane';
import { initialState, reducer } from './store';
import { GradeArea, type GradeSource } from './submit/GradeArea';
import { SubmitSettingsDialog } from './submit/SubmitSettingsDialog';
import { useServiceRun } from './submit/useServiceRun';
import { TerminalPane, type TerminalHandle } from './terminal/TerminalPane';
import { WorkspaceDialog } from './workspace/WorkspaceDialog';

type BottomTab = 'terminal' | 'gdb' | 'problems' | 'log';

const EVENTS: EventName[] = ['build.state', 'vm.state', 'slots.snapshot', 'grade.stage', 'grade.itemStart', 'grade.itemEnd', 'grade.done', 'workspace.changed', 'env.changed', 'debug.state', 'debug.breakpoints'];
const NO_FINDINGS: readonly CheckedFindingInfo[] = [];
/** Until app.info arrives; the engine's value replaces it. */
const DEFAULT_ACK_CHARS = 5_000;

export function App({ client, transport }: { client: LabClient; transport: 'electron' | 'web' }) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [loaded, setLoaded] = useState(false);
  const [dialog, setDialog] = useState(false);
  const [bottom, setBottom] = useState<BottomTab>('terminal');
  const [loadModule, setLoadModule] = useState(true);
  /** The Check toggle: boots and grades with the kernel's checkers. */
  const [checked, setChecked] = useState(false);
  /** The terminal has shown something: the "press Boot" hint would cover it. */
  const [consoleUsed, setConsoleUsed] = useState(false);
  /** Boot was pressed with breakpoints set: the bar offering Debug instead shows. */
  const [debugOffer, setDebugOffer] = useState(false);
  /** Which grade the Grade pane shows: the workbench's own, or the course service's (Submit). */
  const [gradeSource, setGradeSource] = useState<GradeSource>('local');
  const [submitDialog, setSubmitDialog] = useState(false);
  const service = useServiceRun(client);
  const editor = useRef<EditorHandle>(null);
  const terminal = useRef<TerminalHandle>(null);
  const gdbTerminal = useRef<TerminalHandle>(null);

  const notifyError = useCallback((err: unknown, prefix = '') => {
    const data = errorData(err);
    dispatch({ type: 'notice', kind: 'error', text: `${prefix}${data.message}`, suggestion: data.suggestion });
  }, []);

  const refresh = useCallback(async () => {
    const [info, session] = await Promise.all([client.invoke('app.info', {}), client.invoke('app.state', {})]);
    dispatch({ type: 'info', info });
    dispatch({ type: 'session', state: session });
    terminal.current?.repaint(session.consoleTail);
    gdbTerminal.current?.repaint(session.debugConsoleTail ?? '');
    if (session.consoleTail) setConsoleUsed(true);
    setLoaded(true);
    if (!session.workspace) setDialog(true);
    dispatch({ type: 'env', env: await client.invoke('env.status', {}) });
  }, [client]);

  useEffect(() => {
    const offs = EVENTS.map((name) => client.on(name, (payload) => dispatch({ type: 'event', event: { name, payload } as ApiEvent })));
    offs.push(client.on('console.data', () => setConsoleUsed(true)));
    let lost = false;
    const offConnection = client.onConnection?.((problem) => {
      dispatch({ type: 'connection', problem });
      // back after a drop: the session went on without us
      if (!problem && lost) void refresh().catch(notifyError);
      lost = !!problem;
    });
    void refresh().catch(notifyError);
    return () => {
      offs.forEach((off) => off());
      offConnection?.();
    };
  }, [client, refresh, notifyError]);

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
      const vmUp = ['running', 'booting', 'crashed'].includes(state.vm.phase);
      if (!outcome.ok && (!fromSave || !vmUp)) setBottom('problems');
    } catch (err) {
      notifyError(err, 'Build: ');
      setBottom('problems');
    }
  };

  const boot = async (debug = false): Promise<void> => {
    if (!(await saveAll())) return;
    setBottom('terminal');
    terminal.current?.repaint('');
    gdbTerminal.current?.repaint('');
    dispatch({ type: 'debug', state: undefined });
    const size = terminal.current?.size() ?? { cols: 100, rows: 30 };
    // the console takes the focus once the guest is up, unless the student went on typing elsewhere meanwhile
    const focusedAtClick = document.activeElement;
    try {
      const status = await (debug ? client.invoke('debug.boot', { ...size, loadModule, wait: false }) : client.invoke('vm.boot', { ...size, loadModule, checked }));
      if (status.phase === 'running' && document.activeElement === focusedAtClick) terminal.current?.focus();
    } catch (err) {
      notifyError(err, 'Boot: ');
    }
  };

  // Ctrl/Cmd+S outside the editor (the terminal, a button): save everything, then build as a save does
  useSaveShortcut(() => void saveAll().then((saved) => (saved ? build(true) : undefined)));

  const grade = async (): Promise<void> => {
    const question = gradeQuestion(state.vm);
    if (question && !window.confirm(question)) return;
    if (!(await saveAll())) return;
    setBottom('terminal');
    setGradeSource('local');
    try {
      await client.invoke('grade.run', { checked });
    } catch (err) {
      // the grade panel shows what went wrong; a cancel needs no toast
      if (errorData(err).code !== 'CANCELLED') notifyError(err, 'Grade: ');
    }
  };

  const submitToService = async (): Promise<void> => {
    if (!service.settings?.url) {
      setSubmitDialog(true);
      return;
    }
    if (!(await saveAll())) return;
    setGradeSource('service');
    try {
      await service.submit();
    } catch (err) {
      // the service view shows why; a build that failed shows its errors too
      if (errorData(err).code === 'BUILD_FAILED') setBottom('problems');
    }
  };

  const reveal = (d: ApiDiagnostic): void => editor.current?.reveal(d.file, d.line, d.column);
  const confirmLeave = (): boolean => {
    const question = leaveQuestion(editor.current?.dirtyPaths() ?? [], state.vm);
    return !question || window.confirm(question);
  };

  const { info, env, workspace, vm } = state;
  const frameSelection = useSelectedFrame(state.debug);
  const debugLive = !!state.debug && state.debug.phase !== 'ended';
  const debugGutter = {
    client,
    state: state.debug,
    saved: state.breakpoints,
    frame: frameSelection.frame,
    frameLevel: frameSelection.level,
    onToggle: (file: EditorFile, line: number) =>
      void client.invoke('debug.toggleBreakpoint', { file, line }).then((t) => {
        dispatch({ type: 'breakpoints', breakpoints: t.breakpoints });
        if (t.debug) dispatch({ type: 'debug', state: t.debug });
      }, notifyError),
  };
  const diagnostics = state.build?.diagnostics ?? [];
  // the running checked boot's findings, else the last checked grade's
  const findings = vm.findings ?? state.grade?.result?.checked?.findings ?? NO_FINDINGS;
  const problemCount = diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').length + (vm.phase === 'crashed' && vm.crash?.location ? 1 : 0) + findings.length;
  const vmUp = ['running', 'booting', 'building', 'crashed'].includes(vm.phase);
  const gradeStale = useStaleGrade(workspace?.dir, state.grade);

  return (
    <div className="app">
      <Toolbar
        workspace={workspace}
        env={env}
        vm={vm}
        building={state.building}
        grade={state.grade}
        loadModule={loadModule}
        onLoadModule={setLoadModule}
        checked={checked}
        onChecked={setChecked}
        onWorkspace={() => setDialog(true)}
        onBuild={() => void build()}
        onBoot={() => (state.breakpoints.length > 0 ? setDebugOffer(true) : boot())}
        onDebug={() => boot(true)}
        onStop={() => client.invoke('vm.stop', {}).catch(notifyError)}
        onGrade={() => grade()}
        onCancelGrade={() => client.invoke('grade.cancel', {}).catch(notifyError)}
        onKit={(name) => void client.invoke('kits.select', { name }).catch(notifyError)}
        submit={{ url: service.settings?.url, busy: service.submitting, onSubmit: () => submitToService() }}
      />
      <Banners env={env} vm={vm} connection={state.connection} notices={state.notices} onDismiss={(id) => dispatch({ type: 'dismiss', id })} onRetryEnv={() => void client.invoke('env.status', { refresh: true }).then((e) => dispatch({ type: 'env', env: e }), notifyError)} />
      {debugOffer && (
        <DebugOffer
          count={state.breakpoints.length}
          onDebug={() => {
            setDebugOffer(false);
            void boot(true);
          }}
          onBoot={() => {
            setDebugOffer(false);
            void boot();
          }}
          onClose={() => setDebugOffer(false)}
        />
      )}
      <main className="main">
        <Group orientation="horizontal">
          <Panel defaultSize="62" minSize="30">
            <Group orientation="vertical">
              <Panel defaultSize="58" minSize="15">
                {workspace ? (
                  <EditorPane client={client} workspace={workspace} diagnostics={diagnostics} crash={vm.phase === 'crashed' ? vm.crash : undefined} findings={findings} onSaved={() => void build(true)} onError={(text, suggestion) => dispatch({ type: 'notice', kind: 'error', text, suggestion })} handle={editor} debug={debugGutter} />
                ) : (
                  <div className="empty big">{loaded ? 'Open or create a workspace to start.' : 'Connecting…'}</div>
                )}
              </Panel>
              <Separator className="separator-h" />
              <Panel defaultSize="42" minSize="12">
                <div className="bottom">
                  <div className="tabs small-tabs" role="tablist">
                    <button role="tab" aria-selected={bottom === 'terminal'} className={`tab${bottom === 'terminal' ? ' active' : ''}`} onClick={() => setBottom('terminal')} data-testid="tab-terminal">
                      Terminal <span className="dim">ttyS0</span>
                    </button>
                    {state.debug && (
                      <button role="tab" aria-selected={bottom === 'gdb'} className={`tab${bottom === 'gdb' ? ' active' : ''}`} onClick={() => setBottom('gdb')} data-testid="tab-gdb">
                        gdb <span className="dim">127.0.0.1:{state.debug.port}</span>
                      </button>
                    )}
                    <button role="tab" aria-selected={bottom === 'problems'} className={`tab${bottom === 'problems' ? ' active' : ''}`} onClick={() => setBottom('problems')} data-testid="tab-problems">
                      Problems {problemCount > 0 && <span className={`tab-badge ${state.build?.ok ? 'warning' : 'error'}`}>{problemCount}</span>}
                    </button>
                    <button role="tab" aria-selected={bottom === 'log'} className={`tab${bottom === 'log' ? ' active' : ''}`} onClick={() => setBottom('log')}>
                      Build output
                    </button>
                    <div className="tabs-fill" />
                    <span className={`vm-pill ${vm.phase}`}>{vm.phase === 'building' || vm.phase === 'booting' ? <span className="spinner" /> : null} {vm.message}</span>
                  </div>
                  {vm.phase === 'crashed' && vm.crash && <CrashBanner crash={vm.crash} onOpen={(at) => editor.current?.reveal(at.file, at.line, 1)} />}
                  {state.debug && state.debug.phase !== 'ended' && <DebugBar state={state.debug} onAction={(action) => void client.invoke('debug.control', { action }).catch(notifyError)} />}
                  <div className={`bottom-body${bottom === 'gdb' ? '' : ' hidden'}`}>
                    <TerminalPane client={client} ackChars={info?.consoleAckChars ?? DEFAULT_ACK_CHARS} interactive={!!state.debug && state.debug.phase !== 'ended'} handle={gdbTerminal} source="gdb" />
                  </div>
                  <div className={`bottom-body${bottom === 'terminal' ? '' : ' hidden'}`}>
                    <TerminalPane client={client} ackChars={info?.consoleAckChars ?? DEFAULT_ACK_CHARS} interactive={vm.phase === 'running' || vm.phase === 'crashed'} handle={terminal} />
                    {!vmUp && !consoleUsed && <div className="terminal-hint">{workspace ? 'Boot to start Linux with your module; its serial console appears here.' : ''}</div>}
                  </div>
                  {bottom === 'problems' && (
                    <div className="bottom-body scroll">
                      <ProblemsPane building={state.building} build={state.build} error={state.buildError} crash={vm.phase === 'crashed' ? vm.crash : undefined} findings={findings} openable={workspace?.files.map((f) => f.path) ?? []} onReveal={reveal} />
                    </div>
                  )}
                  {bottom === 'log' && (
                    <div className="bottom-body scroll">
                      <pre className="build-log">{state.build?.log || 'No build yet.'}</pre>
                    </div>
                  )}
                </div>
              </Panel>
            </Group>
          </Panel>
          <Separator className="separator-v" />
          <Panel defaultSize="38" minSize="22">
            {/* a debug boot gives the debugger most of the column (the slots are read only on ↻ then) */}
            <Group orientation="vertical" key={debugLive ? 'debugging' : 'grading'}>
              <Panel defaultSize={debugLive ? '22' : '45'} minSize={debugLive ? '10' : '15'}>
                <SlotsPane vm={vm} grading={!!state.grade?.running} snapshot={state.slots} onRefresh={() => void client.invoke('slots.snapshot', {}).then((s) => dispatch({ type: 'event', event: { name: 'slots.snapshot', payload: s } }), notifyError)} />
              </Panel>
              <Separator className="separator-h" />
              <Panel defaultSize={debugLive ? '78' : '55'} minSize="20">
                {debugLive && workspace ? (
                  <DebugPanel client={client} state={state.debug!} selection={frameSelection} workspace={workspace.dir} />
                ) : (
                  <GradeArea
                    checklist={info?.checklist ?? []}
                    timeLimitMs={info?.timeLimitMs ?? 120_000}
                    grade={state.grade}
                    stale={gradeStale}
                    service={service}
                    source={gradeSource}
                    onSource={setGradeSource}
                    onSubmitSettings={() => setSubmitDialog(true)}
                  />
                )}
              </Panel>
            </Group>
          </Panel>
        </Group>
      </main>
      <BuildToast building={state.building} build={state.build} error={state.buildError} onShowProblems={() => setBottom('problems')} />
      <StatusBar env={env} vm={vm} building={state.building} build={state.build} grade={state.grade} transport={transport} />
      {submitDialog && <SubmitSettingsDialog client={client} settings={service.settings} onSaved={service.setSettings} onClose={() => setSubmitDialog(false)} />}
      {dialog && info && <WorkspaceDialog client={client} canPickFolder={info.canPickFolder} cancellable={!!workspace} confirmLeave={confirmLeave} onClose={() => setDialog(false)} />}
    </div>
  );
}
