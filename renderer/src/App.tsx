import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import type { ApiDiagnostic, CheckedFindingInfo, EditorFile, LabClient, SessionState } from '../../app/api';
import { BottomPanel, type BottomTab, type BottomTabSpec } from './bottom/BottomPanel';
import { Banners } from './chrome/Banners';
import { BuildToast } from './chrome/BuildToast';
import { leaveQuestion } from './chrome/confirmations';
import { useSaveShortcut } from './chrome/saveShortcut';
import { StatusBar } from './chrome/StatusBar';
import { Toolbar } from './chrome/Toolbar';
import { CrashBanner } from './crash/CrashBanner';
import { crashSites, shownCrashes } from './crash/crashes';
import { DebugBar } from './debug/DebugBar';
import { DebugOffer } from './debug/DebugOffer';
import { DebugPanel } from './debug/DebugPanel';
import { useSelectedFrame } from './debug/useSelectedFrame';
import { EditorPane, type EditorHandle } from './editor/EditorPane';
import { useStaleGrade } from './grade/staleGrade';
import { cyclePart } from './keyboard/parts';
import { ShortcutsHelp } from './keyboard/ShortcutsHelp';
import type { ShortcutId } from './keyboard/shortcuts';
import { useShortcuts, type ShortcutHandlers } from './keyboard/useShortcuts';
import './keyboard/keyboard.css';
import { ProblemsPane } from './problems/ProblemsPane';
import { SlotsPane } from './slots/SlotsPane';
import { TerminalPane, type TerminalHandle } from './terminal/TerminalPane';
import { useSession } from './useSession';
import { workbenchActions } from './workbenchActions';
import { ModuleStatus } from './vm/ModuleStatus';
import { isVmLive } from './vm/phases';
import { WorkspaceDialog } from './workspace/WorkspaceDialog';
import { GradeArea, type GradeSource } from './submit/GradeArea';
import { SubmitSettingsDialog } from './submit/SubmitSettingsDialog';
import { useServiceRun } from './submit/useServiceRun';
import { errorData } from './client/errors';

const NO_FINDINGS: readonly CheckedFindingInfo[] = [];
/** Until app.info arrives; the engine's value replaces it. */
const DEFAULT_ACK_CHARS = 5_000;

/**
 * The workbench: toolbar, the editor over the bottom panel (terminals,
 * Problems, build output), the side column (slots over the grade; a debug
 * boot's panels go there too), status bar. State comes from useSession;
 * what the buttons do, from workbenchActions.
 */
export function App({ client, transport }: { client: LabClient; transport: 'electron' | 'web' }) {
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
  /** The keyboard shortcuts' page (F1 or ?). */
  const [help, setHelp] = useState(false);
  const editor = useRef<EditorHandle>(null);
  const terminal = useRef<TerminalHandle>(null);
  const gdbTerminal = useRef<TerminalHandle>(null);

  const onSession = useCallback((session: SessionState) => {
    terminal.current?.repaint(session.consoleTail);
    gdbTerminal.current?.repaint(session.debugConsoleTail ?? '');
    if (session.consoleTail) setConsoleUsed(true);
    if (!session.workspace) setDialog(true);
  }, []);
  const session = useSession(client, onSession);
  useEffect(() => client.on('console.data', () => setConsoleUsed(true)), [client]);
  const { state, dispatch, loaded, notifyError } = session;
  const actions = workbenchActions({ client, session, editor, terminal, gdbTerminal, showTab: setBottom, options: { loadModule, checked }, onLocalGrade: () => setGradeSource('local') });

  const submitToService = async (): Promise<void> => {
    if (!service.settings?.url) {
      setSubmitDialog(true);
      return;
    }
    if (!(await actions.saveAll())) return;
    setGradeSource('service');
    try {
      await service.submit();
    } catch (err) {
      // the service view shows why; a build that failed shows its errors too
      if (errorData(err).code === 'BUILD_FAILED') setBottom('problems');
    }
  };

  // Ctrl/Cmd+S outside the editor (the terminal, a button): save everything, then build as a save does
  useSaveShortcut(() => void actions.saveAll().then((saved) => (saved ? actions.build(true) : undefined)));

  const { info, env, workspace, vm } = state;
  const grading = !!state.grade?.running;
  const canRun = !!workspace && !env?.kitError && !!env?.qemu.ok;
  const showTab = (tab: BottomTab, focus = false): void => {
    setBottom(tab);
    if (focus) requestAnimationFrame(() => (tab === 'gdb' ? gdbTerminal : terminal).current?.focus());
  };
  const shortcuts: ShortcutHandlers = {
    build: () => workspace && !state.building && void actions.build(),
    boot: () => canRun && !grading && !isVmLive(vm.phase) && void actions.boot(),
    // F5 continues a debug boot stopped at a breakpoint, as in VS Code; else it starts one
    debug: () => (state.debug?.phase === 'stopped' ? void client.invoke('debug.control', { action: 'continue' }).catch(notifyError) : canRun && !grading && !isVmLive(vm.phase) && void actions.boot(true)),
    stop: () => isVmLive(vm.phase) && void actions.stop(),
    grade: () => canRun && !grading && void actions.grade(),
    submit: () => !service.submitting && void submitToService(),
    terminal: () => showTab('terminal', true),
    problems: () => showTab('problems'),
    output: () => showTab('log'),
    gdb: () => state.debug && showTab('gdb', true),
    editor: () => editor.current?.focus(),
    nextPart: () => cyclePart(false),
    previousPart: () => cyclePart(true),
    help: () => setHelp(true),
  };
  useShortcuts(shortcuts, (backwards) => cyclePart(backwards));

  const reveal = (d: ApiDiagnostic): void => editor.current?.reveal(d.file, d.line, d.column);
  const confirmLeave = (): boolean => {
    const question = leaveQuestion(editor.current?.dirtyPaths() ?? [], state.vm);
    return !question || window.confirm(question);
  };

  const frameSelection = useSelectedFrame(state.debug);
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
  // the live crash's banner; the boot's crash (kept after a Stop or a Grade) and the last grade's in the editor and Problems
  const crash = vm.phase === 'crashed' ? vm.crash : undefined;
  const crashes = useMemo(() => shownCrashes(vm, state.grade?.result), [vm, state.grade?.result]);
  const gradeStale = useStaleGrade(workspace?.dir, state.grade);
  // a checked grade's notes are of the graded code: once other code is built, they go (a new run says what is left)
  const builtOther = gradeStale && !!state.build?.sourcesDigest && !!state.grade?.sourcesDigest && state.build.sourcesDigest !== state.grade.sourcesDigest;
  // the running checked boot's findings, else the last checked grade's
  const findings = vm.findings ?? (builtOther ? undefined : state.grade?.result?.checked?.findings) ?? NO_FINDINGS;
  const problemCount = diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').length + crashes.reduce((n, c) => n + (c.crash.location ? crashSites(c.crash.location).length : 0), 0) + findings.length;
  const debugLive = !!state.debug && state.debug.phase !== 'ended';
  const ackChars = info?.consoleAckChars ?? DEFAULT_ACK_CHARS;

  const tabs: BottomTabSpec[] = [
    {
      id: 'terminal',
      label: 'Terminal',
      detail: 'ttyS0',
      keepMounted: true,
      body: (
        <>
          <TerminalPane client={client} ackChars={ackChars} interactive={vm.phase === 'running' || vm.phase === 'crashed'} handle={terminal} />
          {!isVmLive(vm.phase) && !consoleUsed && <div className="terminal-hint">{workspace ? 'Boot to start Linux with your module; its serial console appears here.' : ''}</div>}
        </>
      ),
    },
    {
      id: 'gdb',
      label: 'gdb',
      detail: state.debug && `127.0.0.1:${state.debug.port}`,
      hidden: !state.debug,
      keepMounted: true,
      body: <TerminalPane client={client} ackChars={ackChars} interactive={debugLive} handle={gdbTerminal} source="gdb" />,
    },
    {
      id: 'problems',
      label: 'Problems',
      badge: { count: problemCount, kind: state.build?.ok ? 'warning' : 'error' },
      scroll: true,
      body: <ProblemsPane building={state.building} build={state.build} error={state.buildError} crashes={crashes} findings={findings} openable={workspace?.files.map((f) => f.path) ?? []} onReveal={reveal} />,
    },
    { id: 'log', label: 'Build output', scroll: true, body: (
        <pre className="build-log" tabIndex={0}>
          {state.build?.log || 'No build yet.'}
        </pre>
      ) },
  ];
  const bars = (
    <>
      {crash && <CrashBanner crash={crash} onOpen={(at) => editor.current?.reveal(at.file, at.line, 1)} />}
      {debugLive && <DebugBar state={state.debug!} onAction={(action) => void client.invoke('debug.control', { action }).catch(notifyError)} />}
    </>
  );

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
        onBuild={() => void actions.build()}
        onBoot={() => (state.breakpoints.length > 0 ? setDebugOffer(true) : actions.boot())}
        onDebug={() => actions.boot(true)}
        onStop={actions.stop}
        onGrade={actions.grade}
        onCancelGrade={actions.cancelGrade}
        onKit={(name) => void client.invoke('kits.select', { name }).catch(notifyError)}
        submit={{ url: service.settings?.url, busy: service.submitting, onSubmit: () => submitToService() }}
      />
      <Banners env={env} vm={vm} connection={state.connection} notices={state.notices} onDismiss={(id) => dispatch({ type: 'dismiss', id })} onRetryEnv={() => void client.invoke('env.status', { refresh: true }).then((e) => dispatch({ type: 'env', env: e }), notifyError)} />
      {debugOffer && (
        <DebugOffer
          count={state.breakpoints.length}
          onDebug={() => {
            setDebugOffer(false);
            void actions.boot(true);
          }}
          onBoot={() => {
            setDebugOffer(false);
            void actions.boot();
          }}
          onClose={() => setDebugOffer(false)}
        />
      )}
      <main className="main">
        <Group orientation="horizontal">
          <Panel defaultSize="62" minSize="30">
            <Group orientation="vertical">
              <Panel defaultSize="58" minSize="15" data-part="editor">
                {workspace ? (
                  <EditorPane client={client} workspace={workspace} diagnostics={diagnostics} crashes={crashes} findings={findings} onSaved={() => void actions.build(true)} onError={(text, suggestion) => dispatch({ type: 'notice', kind: 'error', text, suggestion })} handle={editor} debug={debugGutter} />
                ) : (
                  <div className="empty big">{loaded ? 'Open or create a workspace to start.' : 'Connecting…'}</div>
                )}
              </Panel>
              <Separator className="separator-h" />
              <Panel defaultSize="42" minSize="12">
                <BottomPanel tabs={tabs} active={bottom} onSelect={setBottom} vm={vm} bars={bars} status={<ModuleStatus vm={vm} onReload={() => void client.invoke('vm.reloadModule', {}).catch(notifyError)} />} pill={vm.phase === 'running' && vm.module ? 'VM running' : undefined} />
              </Panel>
            </Group>
          </Panel>
          <Separator className="separator-v" />
          <Panel defaultSize="38" minSize="22" data-part="side">
            {/* a debug boot gives the debugger most of the column (the slots are read only on ↻ then) */}
            <Group orientation="vertical" key={debugLive ? 'debugging' : 'grading'}>
              <Panel defaultSize={debugLive ? '22' : '45'} minSize={debugLive ? '10' : '15'}>
                <SlotsPane vm={vm} grading={!!state.grade?.running} snapshot={state.slots} onRefresh={() => void client.invoke('slots.snapshot', {}).then((s) => dispatch({ type: 'event', event: { name: 'slots.snapshot', payload: s } }), notifyError)} />
              </Panel>
              <Separator className="separator-h" />
              <Panel defaultSize={debugLive ? '78' : '55'} minSize="20">
                {/* a debug boot's Variables, Watch and Call Stack take the Grade pane's place while it runs */}
                {debugLive && workspace ? (
                  <DebugPanel client={client} state={state.debug!} selection={frameSelection} workspace={workspace.dir} />
                ) : info ? (
                  <GradeArea checklist={info.checklist} timeLimitMs={info.timeLimitMs} grade={state.grade} stale={gradeStale} service={service} source={gradeSource} onSource={setGradeSource} onSubmitSettings={() => setSubmitDialog(true)} onOpenSource={(file, line) => editor.current?.reveal(file, line, 1)} />
                ) : (
                  <div className="empty">Connecting…</div>
                )}
              </Panel>
            </Group>
          </Panel>
        </Group>
      </main>
      <BuildToast building={state.building} build={state.build} error={state.buildError} onShowProblems={() => setBottom('problems')} />
      <StatusBar env={env} vm={vm} building={state.building} build={state.build} grade={state.grade} transport={transport} onHelp={() => setHelp(true)} />
      {submitDialog && <SubmitSettingsDialog client={client} settings={service.settings} onSaved={service.setSettings} onClose={() => setSubmitDialog(false)} />}
      {help && <ShortcutsHelp available={Object.keys(shortcuts) as ShortcutId[]} onClose={() => setHelp(false)} />}
      {dialog && info && <WorkspaceDialog client={client} canPickFolder={info.canPickFolder} cancellable={!!workspace} confirmLeave={confirmLeave} onClose={() => setDialog(false)} />}
    </div>
  );
}
