/**
 * Every failure a user can meet carries a stable code, a plain message and
 * a suggestion of what to do next. Errors cross IPC and WebSocket as plain
 * objects (see toJSON), so the UI shows the same text as the CLI.
 */
export type LabErrorCode =
  | 'KIT_MISSING'
  | 'KIT_CORRUPT'
  | 'KIT_INSTALL_FAILED'
  /** A kit archive (the course's dist.tbz) that cannot be imported: what is missing or damaged. */
  | 'KIT_ARCHIVE_INVALID'
  | 'QEMU_MISSING'
  | 'QEMU_FAILED'
  | 'TOOLCHAIN_MISSING'
  | 'DOCKER_UNAVAILABLE'
  | 'BUILD_FAILED'
  | 'WORKSPACE_INVALID'
  | 'PATH_OUTSIDE_WORKSPACE'
  | 'SUBMISSION_INVALID'
  | 'VM_NOT_RUNNING'
  | 'AGENT_TIMEOUT'
  | 'AGENT_GONE'
  /** A guest snapshot that did not save or restore; a run falls back to a cold boot and never fails for it. */
  | 'SNAPSHOT_FAILED'
  | 'BAD_ARGUMENT'
  /** Web mode's port (--port) is taken by another program. */
  | 'PORT_IN_USE'
  /** Web mode found no built workbench UI to serve (npm run build makes it). */
  | 'UI_NOT_BUILT'
  /** A debugger command that needs the guest stopped (step, next, continue) while it runs. */
  | 'GUEST_RUNNING'
  /** clang-format refused the file (its own message says why, e.g. a syntax it cannot parse). */
  | 'FORMAT_FAILED'
  /**
   * The user (or a closing window) cancelled the operation, or a newer
   * request replaced it (the workspace or kit changed while clangd
   * started); nothing is wrong.
   */
  | 'CANCELLED'
  /** Another VM-owning operation (boot, grade) is running; try again when it ends. */
  | 'BUSY'
  /** Debian's gdb is not installed (a debug boot needs it). */
  | 'GDB_MISSING'
  /** gdb did not start, ended, or did not answer. */
  | 'GDB_FAILED'
  /** gdb refused a command (its own message, e.g. "No line 900 in file"). */
  | 'GDB_ERROR'
  /** The UI lost its connection to the engine (web mode: the server went away, or a newer tab took over). */
  | 'DISCONNECTED'
  /** The course service (app/service): no token, or one it does not know. */
  | 'UNAUTHORIZED'
  /** The service: the token is known but may not do this (a TA route, another student's submission). */
  | 'FORBIDDEN'
  /** The service: no such submission (or student). */
  | 'NOT_FOUND'
  /** The service: too many submissions from one student in its window; try again later. */
  | 'RATE_LIMITED'
  /** The service: an upload over its size limit. */
  | 'TOO_LARGE'
  /** A .ko that is not an x86-64 relocatable kernel module (not ELF, another architecture, a program). */
  | 'MODULE_INVALID'
  /** A .ko built for another kernel than the one the service grades on (its vermagic differs). */
  | 'MODULE_WRONG_KERNEL'
  /** The service cannot reach its queue (Redis). */
  | 'QUEUE_UNAVAILABLE'
  /** A submission whose grade ended its worker every time it was tried: not retried again. */
  | 'WORKER_LOST'
  | 'INTERNAL';

export interface LabErrorData {
  code: LabErrorCode;
  message: string;
  suggestion?: string;
}

export class LabError extends Error implements LabErrorData {
  readonly code: LabErrorCode;
  readonly suggestion?: string;

  constructor(code: LabErrorCode, message: string, suggestion?: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.suggestion = suggestion;
  }

  toJSON(): LabErrorData {
    return { code: this.code, message: this.message, suggestion: this.suggestion };
  }
}

/** Any thrown value as a LabErrorData, for transports and reports. */
export function toErrorData(err: unknown): LabErrorData {
  if (err instanceof LabError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, suggestion: 'This is a bug in kshram lab; please report it with the message above.' };
}
