/**
 * The one typed API between the workbench UI and the lab engine: every
 * command with its argument schema and result type, every event with its
 * payload. Electron IPC and the WebSocket bridge are two transports of
 * exactly this map. The domains' own types come from their folders (the
 * contract imports them, never the reverse); this file and the files it
 * imports import nothing but zod and each other, so the renderer's
 * typecheck can read its types without pulling in Node.
 */
import { z } from 'zod';
import type { LabErrorCode } from '../errors.js';
import type { ItemStatus } from '../grade/checklist.js';
import type { BreakpointToggle, DebugMemory, DebugState, DebugVariable, SavedBreakpoint } from '../debug/state.js';
import type { LspFile, LspStartInfo, LspStatus } from '../lsp/status.js';
import { EDITOR_FILES, MAX_FILE_CHARS, type FileContent, type SavedFile, type WorkspaceInfo } from '../workspace/files.js';

export type { LabErrorCode } from '../errors.js';
export type { BreakpointToggle, SavedBreakpoint, DebugBreakpoint, DebugFrame, DebugMemory, DebugPhase, DebugStack, DebugState, DebugVariable } from '../debug/state.js';
export type { LspFile, LspStartInfo, LspStatus } from '../lsp/status.js';
export { EDITOR_FILES, MAX_FILE_CHARS, type EditorFile, type FileContent, type SavedFile, type Template, type WorkspaceInfo } from '../workspace/files.js';

// ---------------------------------------------------------------- limits

/** One language-server message from the editor: a whole kshram.c in a didChange, with JSON's escaping. */
export const MAX_LSP_MESSAGE_CHARS = 4 * MAX_FILE_CHARS;
/** One console write: a paste, not a file transfer. */
export const MAX_CONSOLE_INPUT_CHARS = 64 * 1024;
/** A watch or hover expression, or a variable's name in gdb: a line of C, never a paste. */
const MAX_DEBUG_EXPRESSION_CHARS = 500;
/** Watch expressions at once: a panel's worth. */
const MAX_DEBUG_WATCHES = 32;
/** One read of the guest's memory: a page, as a slot's first page. */
const MAX_DEBUG_MEMORY_BYTES = 4096;
/** gdb lists at most 32 frames (app/debug/inspector.ts). */
const debugFrameLevel = z.number().int().min(0).max(31);
/** One line of C: a newline would end the MI command it travels in. */
const debugExpression = z.string().min(1).max(MAX_DEBUG_EXPRESSION_CHARS).regex(/^[^\r\n]*$/, 'one line');
/** A course service's address: any real URL fits. */
const MAX_SERVICE_URL_CHARS = 2048;
/** A service token (`kshram-lab token add` prints one of ~50 characters); anything far longer is a paste gone wrong. */
const MAX_SERVICE_TOKEN_CHARS = 256;
/** Workspace paths: long enough for any real folder, short enough to refuse garbage early. */
const MAX_PATH_CHARS = 4096;
/** Terminal sizes xterm can sensibly report; the guest's tty takes 16-bit values. */
const MAX_COLS = 1000;
const MAX_ROWS = 500;

// ---------------------------------------------------------------- data shapes

/** A LabError as it crosses a transport: a stable code, a message, what to do next. */
export interface ApiError {
  code: LabErrorCode;
  message: string;
  suggestion?: string;
}

export type Severity = 'error' | 'warning' | 'note' | 'info';

/** A compiler or modpost message; `file` is workspace-relative ("kshram.c") when it is the user's. */
export interface ApiDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
}

export interface BuildOutcome {
  ok: boolean;
  diagnostics: ApiDiagnostic[];
  /** make's combined output. */
  log: string;
  elapsedMs: number;
  kit: string;
  finishedAt: number;
  /** sourcesDigest() of the files built: a checked grade's notes go once code other than the graded is built. */
  sourcesDigest?: string;
}

export type VmPhase = 'stopped' | 'building' | 'booting' | 'running' | 'crashed' | 'exited';

export interface CrashInfo {
  /** "Kernel Oops in kshram_ioctl+0x49/0xd9 [kshram]: BUG: kernel NULL pointer dereference, …" */
  summary: string;
  /** The kernel's report without register dumps. */
  report: string;
  /**
   * The first line of the student's code in the report, decoded from the .ko that was loaded:
   * the banner's link, the editor's marker and a Problems entry.
   */
  location?: CrashLocationInfo;
  /** The program the kernel was running for when it reported ("check_msg"). */
  task?: string;
  /** Plain words when the workbench's own slot view ran into the bug (not a program the student ran). */
  slotView?: string;
  /** The report's frames, decoded: the RIP's first, then the call trace. */
  frames?: CrashFrameInfo[];
}

export interface CrashLocationInfo {
  /** Relative to the workspace: "kshram.c". */
  file: string;
  line: number;
  function: string;
  /** The line's text as it was built. */
  source?: string;
  /** The student's calls this code was inlined into, innermost first: a helper's crash also names the line that called it. */
  inlinedInto?: Array<{ function: string; file: string; line: number }>;
}

export interface CrashFrameInfo {
  /** Where the address is (an inlined function's name when it was inlined). */
  function: string;
  offset: number;
  module?: string;
  file?: string;
  line?: number;
  source?: string;
  /** The functions this code was inlined into, innermost first. */
  inlinedFrom: Array<{ function: string; file?: string; line?: number }>;
}

/** A checker's report in a checked run (KASAN, lockdep, kmemleak, SLUB, ...): a note, never points; a problem at its line. */
export interface CheckedFindingInfo {
  /** "kasan", "lockdep", "kmemleak", "slub", ... */
  kind: string;
  /** "KASAN", "lockdep", ... */
  label: string;
  /** The report's first line ("BUG: KASAN: slab-out-of-bounds in kshram_ioctl+0x…"). */
  title: string;
  /** How many times it came (kmemleak: how many objects). */
  count: number;
  /** The first line of the student's code its frames lead to. */
  location?: CrashLocationInfo;
  /** What that line means when it is not the bad access itself ("the buffer allocated here was written past its end; ..."). */
  explanation?: string;
  /** The report as the kernel printed it. */
  report: string;
}

/** Builds of kshram.ko in the student's running guest, each by its BuildOutcome.finishedAt. */
export interface GuestModuleInfo {
  /** The build that is loaded; absent while kshram.ko is not loaded. */
  loaded?: number;
  /** The newest build the guest has at /lib/kshram/kshram.ko (what insmod loads, and Reload module). */
  ready: number;
  /** Reload module (rmmod + insmod through the agent) is running. */
  reloading?: boolean;
  /** What the last Reload module did. */
  lastReload?: { ok: boolean; message: string; at: number };
  /** A debug boot's newer build, kept out of the guest: gdb has the booted build's symbols (Debug again runs it). */
  heldBack?: number;
}

export interface VmStatus {
  phase: VmPhase;
  /** A checked boot (the Check toggle): the kernel runs its checkers; what they report is in findings. */
  checked?: boolean;
  findings?: CheckedFindingInfo[];
  /** One line for the status bar and banners. */
  message: string;
  kit?: string;
  kernelRelease?: string;
  accel?: 'kvm' | 'tcg';
  accelReason?: string;
  /** kshram.ko is loaded in the guest (by Boot, Reload module, or an insmod typed in the console). */
  moduleLoaded?: boolean;
  /** Which build of kshram.ko the running guest has loaded and which it has ready to load. */
  module?: GuestModuleInfo;
  crash?: CrashInfo;
  error?: ApiError;
}

export interface SlotInfo {
  index: number;
  /** From /proc/kshram; absent when its line is missing. */
  size?: number;
  /** First bytes of the slot as hex. */
  hex?: string;
  error?: string;
}

export interface SlotsSnapshot {
  /** False when /proc/kshram does not exist (kshram.ko not loaded). */
  loaded: boolean;
  slots: SlotInfo[];
  /** /proc/kshram lines that are not "NN: SIZE". */
  malformed: string[];
  takenAt: number;
  error?: string;
  /** The slots were not mapped: a program the student started still runs on the console. */
  consoleBusy?: boolean;
}

/** One status type for an item, the engine's. */
export type { ItemStatus };

export interface ChecklistEntry {
  id: number;
  title: string;
  max: number;
}

export interface GradeItem extends ChecklistEntry {
  points: number;
  status: ItemStatus;
  evidence: string;
  elapsedMs?: number;
}

export interface GradeResult {
  total: number;
  max: number;
  elapsedMs: number;
  vmElapsedMs: number;
  timeLimitMs: number;
  kit: string;
  kernelRelease: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  toolchain: string;
  items: GradeItem[];
  notes: string[];
  build: { ok: boolean; elapsedMs: number; diagnostics: ApiDiagnostic[] };
  /** A checked grade (the Check toggle): the kernel's checkers and what they found (also in notes). */
  checked?: { checkers: string[]; findings: CheckedFindingInfo[] };
  /**
   * The kernel crash that ended the grade, at the item it happened in (its
   * report is that item's evidence), as the workbench shows a boot's.
   */
  kernelCrash?: CrashInfo & { item: number };
}

export type GradeStage = 'build' | 'boot' | 'items' | 'done';

/**
 * The grade's clock as the engine counts it: from the moment the grading
 * VM started (the limit's start) to the end of the items. A UI counts on
 * from `elapsedMs` with its own monotonic clock until the next one.
 */
export interface GradeClock {
  /** Milliseconds of the limit used when this was sent. */
  elapsedMs: number;
  /** False once the items are done (or the grade ended): elapsedMs is then the grade's time, the report's vmElapsedMs. */
  running: boolean;
}

/** Where a grade is, for a UI that (re)connects in the middle of one. */
export interface GradeProgress {
  running: boolean;
  stage?: GradeStage;
  stageDetail?: string;
  /** Epoch ms when the grading VM started (the course service's runs; the workbench sends `clock`). */
  vmStartedAt?: number;
  /** The workbench's grade clock. */
  clock?: GradeClock;
  /** sourcesDigest() of the workspace's files when the grade started: the editor marks the score stale once it holds other code. */
  sourcesDigest?: string;
  runningItem?: number;
  items: GradeItem[];
  result?: GradeResult;
  error?: ApiError;
}

export interface KitInfo {
  name: string;
  installed: boolean;
  /** A checking kernel (KASAN, lockdep, kmemleak): every boot and grade on it is checked. */
  debug?: boolean;
  kernelRelease?: string;
  description?: string;
  error?: ApiError;
}

export interface EnvStatus {
  activeKit: string;
  kits: KitInfo[];
  /** Why the active kit cannot be used (not installed, corrupt), with the command that fixes it. */
  kitError?: ApiError;
  qemu: { ok: boolean; version?: string; error?: ApiError };
  accel?: { accel: 'kvm' | 'tcg'; reason: string };
}

export interface AppInfo {
  version: string;
  /** The host can show a native folder picker (Electron); else the UI asks for a path. */
  canPickFolder: boolean;
  /** Acknowledge console output in steps of this many characters (flow control). */
  consoleAckChars: number;
  checklist: ChecklistEntry[];
  timeLimitMs: number;
}

export interface SessionState {
  workspace?: WorkspaceInfo;
  vm: VmStatus;
  building: boolean;
  build?: BuildOutcome;
  slots?: SlotsSnapshot;
  grade?: GradeProgress;
  /** The console's recent output, to repaint a terminal after a reload. */
  consoleTail: string;
  /** The open workspace's breakpoints (hollow in the gutter until a debug boot). */
  breakpoints?: SavedBreakpoint[];
  /** A debug boot's gdb and its console's recent output. */
  debug?: DebugState;
  debugConsoleTail?: string;
}

// ---------------------------------------------------------------- the course service (Submit)

/**
 * The workbench's Submit: where the course service is and who the token
 * says you are. The token itself never reaches the page; it lives in a
 * file of the user's state folder that only the user can read.
 */
export interface SubmitSettings {
  /** The service's address (http:// or https://), when one is set. */
  url?: string;
  /** Whose token it is and what it may do, as the service said when it was set. */
  student?: string;
  role?: 'student' | 'ta';
  /** Where the settings live (shown, so the user knows what to delete). */
  file: string;
}

/**
 * What the workbench reads of the course service's data. The service's
 * own types (app/service/contract.ts: SubmissionView, LiveEvent,
 * GradeReportJson) have these fields and more; this floor cannot import
 * them, so app/submit proves at compile time that they fit.
 */
export interface ServiceSubmission {
  id: string;
  fileName: string;
  sha256: string;
  size: number;
  submittedAt: number;
  state: 'queued' | 'running' | 'graded' | 'error';
  /** While queued: 1 = next to be graded. */
  position?: number;
  total?: number;
  max: number;
  firstFailure?: { id: number; title: string; summary: string };
  error?: ApiError;
}

/** A graded run's report as the service stores it: `grade --json`'s object (no checked run there). */
export type ServiceGradeResult = Omit<GradeResult, 'checked'>;

export interface ServiceSubmissionDetail extends ServiceSubmission {
  result?: ServiceGradeResult;
}

/** One event of a run on the service, as its live socket sends it. */
export type ServiceRunEvent<R extends ServiceGradeResult = ServiceGradeResult, S extends ServiceSubmission = ServiceSubmission> =
  | { name: 'submission.state'; payload: S }
  | { name: 'grade.stage'; payload: EventPayloads['grade.stage'] }
  | { name: 'grade.itemStart'; payload: EventPayloads['grade.itemStart'] }
  | { name: 'grade.itemEnd'; payload: { item: GradeItem } }
  | { name: 'console.data'; payload: EventPayloads['console.data'] }
  | { name: 'grade.done'; payload: { result?: R; error?: ApiError } };

// ---------------------------------------------------------------- commands

/** A workspace path as the user typed it; the session resolves and confines it. */
const dirPath = z.string().min(1, 'a folder is required').max(MAX_PATH_CHARS).refine((s) => !s.includes('\0'), 'paths cannot contain NUL');
/** A path relative to the open workspace; confinement is checked against the real filesystem. */
const workspacePath = z.string().min(1).max(MAX_PATH_CHARS).refine((s) => !s.includes('\0'), 'paths cannot contain NUL');
const empty = z.object({}).strict();

/** Every command and its argument schema. The keys are the only command names there are. */
export const COMMANDS = {
  'app.info': empty,
  'app.state': empty,
  'env.status': z.object({ refresh: z.boolean().optional() }).strict(),
  'kits.select': z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'not a kit name').max(64) }).strict(),
  'workspace.open': z.object({ dir: dirPath }).strict(),
  'workspace.create': z.object({ dir: dirPath, template: z.enum(['starter', 'reference']) }).strict(),
  'workspace.recent': empty,
  'workspace.pick': empty,
  'file.read': z.object({ path: workspacePath }).strict(),
  'file.save': z.object({ path: workspacePath, content: z.string().max(MAX_FILE_CHARS, 'file too large') }).strict(),
  'build.run': empty,
  /** checked: boot with the kernel's checkers on (stock kits: slub_debug, page_poison; a debug kit always checks). */
  'vm.boot': z.object({ cols: z.number().int().min(2).max(MAX_COLS), rows: z.number().int().min(2).max(MAX_ROWS), loadModule: z.boolean(), checked: z.boolean().optional() }).strict(),
  'vm.stop': empty,
  /** rmmod kshram and insmod the newest build the guest has (Reload module). */
  'vm.reloadModule': empty,
  'console.input': z.object({ data: z.string().max(MAX_CONSOLE_INPUT_CHARS) }).strict(),
  'console.resize': z.object({ cols: z.number().int().min(2).max(MAX_COLS), rows: z.number().int().min(2).max(MAX_ROWS) }).strict(),
  'console.ack': z.object({ chars: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
  'slots.snapshot': empty,
  /** checked: a checked grade; its findings are notes, never points. */
  'grade.run': z.object({ checked: z.boolean().optional() }).strict(),
  'grade.cancel': empty,
  /** Boot as Boot does, with QEMU's gdbstub and gdb attached (wait: stop at the first instruction). */
  'debug.boot': z.object({ cols: z.number().int().min(2).max(MAX_COLS), rows: z.number().int().min(2).max(MAX_ROWS), loadModule: z.boolean(), wait: z.boolean() }).strict(),
  'debug.input': z.object({ data: z.string().max(MAX_CONSOLE_INPUT_CHARS) }).strict(),
  'debug.resize': z.object({ cols: z.number().int().min(2).max(MAX_COLS), rows: z.number().int().min(2).max(MAX_ROWS) }).strict(),
  'debug.ack': z.object({ chars: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
  'debug.control': z.object({ action: z.enum(['continue', 'step', 'next', 'finish', 'interrupt']) }).strict(),
  /** Sets a breakpoint at file:line, or clears the one there: kept for the workspace, and in gdb when a debug boot runs. */
  'debug.toggleBreakpoint': z.object({ file: z.enum(EDITOR_FILES), line: z.number().int().min(1).max(1_000_000) }).strict(),
  /** The arguments and locals of a frame of the stopped guest (0: where it stopped). */
  'debug.variables': z.object({ frame: debugFrameLevel }).strict(),
  /** The parts of a value: a struct's fields, what a pointer points at. */
  'debug.children': z.object({ ref: z.string().regex(/^var\d+[^\s"\\]*$/, 'not a variable of gdb\'s').max(MAX_DEBUG_EXPRESSION_CHARS) }).strict(),
  'debug.memory': z.object({ address: z.string().regex(/^0x[0-9a-f]{1,16}$/, 'not an address'), length: z.number().int().min(1).max(MAX_DEBUG_MEMORY_BYTES) }).strict(),
  /** One expression's value in a frame (the editor's hover). */
  'debug.evaluate': z.object({ frame: debugFrameLevel, expression: debugExpression }).strict(),
  /** The watch expressions' values in a frame, each marked when it changed since the last stop. */
  'debug.watch': z.object({ frame: debugFrameLevel, expressions: z.array(debugExpression).max(MAX_DEBUG_WATCHES) }).strict(),
  'lsp.start': empty,
  'lsp.send': z.object({ generation: z.number().int().min(0), message: z.string().max(MAX_LSP_MESSAGE_CHARS, 'language-server message too large') }).strict(),
  'lsp.readFile': z.object({ uri: z.string().min(1).max(MAX_PATH_CHARS) }).strict(),
  'lsp.format': z.object({ path: workspacePath, content: z.string().max(MAX_FILE_CHARS, 'file too large') }).strict(),
  'lsp.kernelDoc': z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a C name').max(128) }).strict(),
  /** The course service's address and this user's token for Submit (checked with the service, then kept). */
  'submit.settings': empty,
  'submit.configure': z.object({ url: z.string().min(1).max(MAX_SERVICE_URL_CHARS).url('not an address (http://host:port)'), token: z.string().trim().min(1, 'a token is required').max(MAX_SERVICE_TOKEN_CHARS) }).strict(),
  'submit.forget': empty,
  /** Saves nothing itself: builds the workspace as it is on disk, uploads its sources, follows the run (submit.live events). */
  'submit.run': empty,
  'submit.history': empty,
  'submit.open': z.object({ id: z.string().regex(/^[a-z0-9]{16}$/, 'not a submission id') }).strict(),
} as const;

export type CommandName = keyof typeof COMMANDS;
/** What a caller passes. */
export type CommandArgs<K extends CommandName> = z.input<(typeof COMMANDS)[K]>;
/** What a handler receives, after validation. */
export type ParsedArgs<K extends CommandName> = z.output<(typeof COMMANDS)[K]>;

/** What each command resolves to. */
export interface CommandResults {
  'app.info': AppInfo;
  'app.state': SessionState;
  'env.status': EnvStatus;
  'kits.select': EnvStatus;
  'workspace.open': WorkspaceInfo;
  'workspace.create': WorkspaceInfo;
  'workspace.recent': string[];
  /** The chosen folder, or null when the user cancelled. */
  'workspace.pick': string | null;
  'file.read': FileContent;
  'file.save': SavedFile;
  'build.run': BuildOutcome;
  'vm.boot': VmStatus;
  'vm.stop': VmStatus;
  'vm.reloadModule': VmStatus;
  'console.input': void;
  'console.resize': void;
  'console.ack': void;
  'slots.snapshot': SlotsSnapshot;
  'grade.run': GradeResult;
  'grade.cancel': void;
  'debug.boot': VmStatus;
  'debug.input': void;
  'debug.resize': void;
  'debug.ack': void;
  'debug.control': DebugState;
  'debug.toggleBreakpoint': BreakpointToggle;
  'debug.variables': DebugVariable[];
  'debug.children': DebugVariable[];
  'debug.memory': DebugMemory;
  'debug.evaluate': DebugVariable;
  'debug.watch': DebugVariable[];
  'lsp.start': LspStartInfo;
  'lsp.send': void;
  'lsp.readFile': LspFile;
  /** The content formatted with the kernel's .clang-format. */
  'lsp.format': string;
  /** A kernel function's kernel-doc comment that lives in a .c file (clangd sees only headers), or null. */
  'lsp.kernelDoc': { name: string; doc: string; source: string } | null;
  'submit.settings': SubmitSettings;
  'submit.configure': SubmitSettings;
  'submit.forget': SubmitSettings;
  /** The submission as the service queued it; its run follows as submit.live events. */
  'submit.run': ServiceSubmission;
  /** This user's submissions, newest first. */
  'submit.history': ServiceSubmission[];
  'submit.open': ServiceSubmissionDetail;
}

export type CommandResult<K extends CommandName> = CommandResults[K];

// ---------------------------------------------------------------- events

/** Every event and its payload. The keys are the only event names there are. */
export interface EventPayloads {
  'build.state': { running: boolean; result?: BuildOutcome; error?: ApiError };
  'console.data': { data: string };
  'vm.state': VmStatus;
  'slots.snapshot': SlotsSnapshot;
  /** A new grade began: its progress replaces the last grade's. */
  'grade.started': GradeProgress;
  'grade.stage': { stage: GradeStage; detail: string; vmStartedAt?: number };
  /** The grade's clock started, or stopped with the grade's time. */
  'grade.clock': GradeClock;
  'grade.itemStart': { id: number };
  'grade.itemEnd': { item: GradeItem };
  'grade.done': { result?: GradeResult; error?: ApiError };
  'workspace.changed': WorkspaceInfo;
  'env.changed': EnvStatus;
  'debug.state': DebugState;
  /** The workspace's breakpoints changed (a gutter click, or gdb's list during a debug boot). */
  'debug.breakpoints': { breakpoints: SavedBreakpoint[] };
  /** Output of gdb's console (the debug boot's second terminal). */
  'debug.console': { data: string };
  /** One JSON-RPC message from clangd, for the editor. */
  'lsp.message': { generation: number; message: unknown };
  'lsp.state': LspStatus;
  /**
   * A run on the course service that Submit started or the user opened, as
   * it happens; `restart`: what was shown of it is replayed from its start
   * next (a new watch, a reconnection), so clear it first.
   */
  'submit.live': { submission: string; event?: ServiceRunEvent; restart?: boolean };
}

export type EventName = keyof EventPayloads;
/** One event as it travels: its name and payload, correlated. */
export type ApiEvent = { [K in EventName]: { name: K; payload: EventPayloads[K] } }[EventName];

// ---------------------------------------------------------------- compile-time checks

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when a command lacks a result type or the other way round. */
export const commandsHaveResults: Same<keyof CommandResults, CommandName> = true;
