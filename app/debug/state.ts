/**
 * A debug boot's state as the workbench shows it. The API contract takes
 * these types from here; this file imports nothing, so the renderer's
 * typecheck can read it.
 */
/** Where gdb says the guest is: running, stopped at a line, or gdb is gone. */
export type DebugPhase = 'starting' | 'running' | 'stopped' | 'ended';

export interface DebugBreakpoint {
  /** gdb's breakpoint number. */
  id: number;
  /** Workspace file name ("kshram.c") when it is resolved or was asked for by file:line. */
  file?: string;
  line?: number;
  /** Set before kshram.ko's symbols were loaded: it takes effect once they are. */
  pending: boolean;
}

/** A debug boot's gdb, for the workbench: what it is doing, where it stopped, its breakpoints. */
export interface DebugState {
  phase: DebugPhase;
  /** QEMU's gdbstub on 127.0.0.1 (for a gdb of the student's own). */
  port: number;
  /** Where the guest stopped (phase "stopped"); file is the workspace file name when it is the student's code. */
  stop?: { file?: string; line?: number; function?: string; reason: string };
  breakpoints: DebugBreakpoint[];
  /** kshram.ko's symbols are loaded at the module's addresses. */
  symbolsLoaded: boolean;
  message: string;
}
