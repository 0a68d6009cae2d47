import type { ApiError, ApiEvent, AppInfo, BuildOutcome, DebugState, SavedBreakpoint, EnvStatus, GradeProgress, SessionState, SlotsSnapshot, VmStatus, WorkspaceInfo } from '../../app/api';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  suggestion?: string;
}

/** Everything the UI draws, fed by the session's state and its events. */
export interface UiState {
  info?: AppInfo;
  env?: EnvStatus;
  workspace?: WorkspaceInfo;
  vm: VmStatus;
  building: boolean;
  build?: BuildOutcome;
  buildError?: ApiError;
  slots?: SlotsSnapshot;
  grade?: GradeProgress;
  /** Web mode: why the server cannot be reached; undefined when connected. */
  connection?: string;
  notices: Notice[];
  /** A debug boot's gdb (app/debug/). */
  debug?: DebugState;
  /** The workspace's breakpoints, kept between debug boots. */
  breakpoints: SavedBreakpoint[];
}

export type Action =
  | { type: 'session'; state: SessionState }
  | { type: 'info'; info: AppInfo }
  | { type: 'env'; env: EnvStatus }
  | { type: 'event'; event: ApiEvent }
  | { type: 'notice'; kind: Notice['kind']; text: string; suggestion?: string }
  | { type: 'dismiss'; id: number }
  | { type: 'connection'; problem: string | undefined }
  | { type: 'debug'; state: DebugState | undefined }
  | { type: 'breakpoints'; breakpoints: SavedBreakpoint[] };

export const initialState: UiState = { vm: { phase: 'stopped', message: 'Not running' }, building: false, notices: [], breakpoints: [] };

let noticeId = 0;
/** Errors pile up when something is badly wrong; the last few are enough. */
const MAX_NOTICES = 3;

export function reducer(state: UiState, action: Action): UiState {
  switch (action.type) {
    case 'session': {
      const s = action.state;
      return { ...state, workspace: s.workspace, vm: s.vm, building: s.building, build: s.build, slots: s.slots, grade: s.grade, debug: s.debug, breakpoints: s.breakpoints ?? [] };
    }
    case 'info':
      return { ...state, info: action.info };
    case 'env':
      return { ...state, env: action.env };
    case 'notice':
      return { ...state, notices: [...state.notices, { id: ++noticeId, kind: action.kind, text: action.text, suggestion: action.suggestion }].slice(-MAX_NOTICES) };
    case 'dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'connection':
      return { ...state, connection: action.problem };
    case 'debug':
      return { ...state, debug: action.state };
    case 'breakpoints':
      return { ...state, breakpoints: action.breakpoints };
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: UiState, event: ApiEvent): UiState {
  switch (event.name) {
    case 'build.state': {
      const { running, result, error } = event.payload;
      if (running) return { ...state, building: true };
      return { ...state, building: false, build: result ?? state.build, buildError: error };
    }
    case 'vm.state':
      return { ...state, vm: event.payload, slots: event.payload.phase === 'running' || event.payload.phase === 'crashed' ? state.slots : undefined };
    case 'slots.snapshot':
      return { ...state, slots: event.payload };
    case 'grade.started':
      return { ...state, grade: event.payload };
    case 'grade.stage': {
      const { stage, detail, vmStartedAt } = event.payload;
      const base: GradeProgress = state.grade ?? { running: true, items: [] };
      return { ...state, grade: { ...base, running: stage !== 'done', stage, stageDetail: detail, vmStartedAt: vmStartedAt ?? base.vmStartedAt } };
    }
    case 'grade.clock':
      return state.grade ? { ...state, grade: { ...state.grade, clock: event.payload } } : state;
    case 'grade.itemStart':
      return state.grade ? { ...state, grade: { ...state.grade, runningItem: event.payload.id } } : state;
    case 'grade.itemEnd': {
      const grade = state.grade ?? { running: true, items: [] };
      const items = [...grade.items.filter((i) => i.id !== event.payload.item.id), event.payload.item].sort((a, b) => a.id - b.id);
      return { ...state, grade: { ...grade, items, runningItem: undefined } };
    }
    case 'grade.done': {
      const grade = state.grade ?? { running: false, items: [] };
      return { ...state, grade: { ...grade, running: false, runningItem: undefined, result: event.payload.result, error: event.payload.error } };
    }
    case 'workspace.changed':
      return { ...state, workspace: event.payload, build: undefined, buildError: undefined, grade: undefined, slots: undefined };
    case 'env.changed':
      return { ...state, env: event.payload };
    case 'console.data':
      return state;
    case 'debug.state':
      return { ...state, debug: event.payload };
    case 'debug.breakpoints':
      return { ...state, breakpoints: event.payload.breakpoints };
    case 'debug.console':
    // the editor's language client follows these itself
    case 'lsp.message':
    case 'lsp.state':
    // the Submit pane follows the course service's run itself (submit/)
    case 'submit.live':
      return state;
  }
}
