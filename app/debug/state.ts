/**
 * A debug boot's state as the workbench shows it: where gdb holds the
 * guest, and what the panels show of a stop (the stack, variables, memory
 * read through gdb's MI by inspector.ts). The API contract takes
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
  stop?: {
    file?: string;
    line?: number;
    function?: string;
    reason: string;
    /** Counts the stops the student saw: a new one asks the panels to read the guest again. */
    seq?: number;
    /** The stack, once gdb listed it (a moment after the stop). */
    stack?: DebugStack;
  };
  breakpoints: DebugBreakpoint[];
  /** kshram.ko's symbols are loaded at the module's addresses. */
  symbolsLoaded: boolean;
  message: string;
}

/** One frame of the stopped CPU's stack, innermost first. */
export interface DebugFrame {
  level: number;
  /** The code address ("0xffffffffc0201225"). */
  address: string;
  /**
   * The function: from the module's debug info, or for kernel code the
   * nearest symbol of the kit's System.map (then `offset` says how far in).
   * Undefined where nothing names the address.
   */
  function?: string;
  /** How far into `function` a kernel frame's address is ("0x90"): the kernel's own `__x64_sys_ioctl+0x90`. */
  offset?: string;
  /** The workspace file ("kshram.c") and line: frames in the student's code. */
  file?: string;
  line?: number;
  /** The student's module (source lines, variables) or the kernel (no debug info: a name at most). */
  origin: 'module' | 'kernel';
  /**
   * Not unwound but found by scanning the stack (app/debug/stack-scan.ts): a
   * word pointing just after a call in kernel text, like the kernel's own
   * "? " lines. Likely, not certain. Its level is the outermost unwound
   * frame's for variables and watches.
   */
  scanned?: boolean;
}

/** The stack at a stop. */
export interface DebugStack {
  /** gdb's thread: the CPU that stopped. */
  thread: number;
  frames: DebugFrame[];
  /**
   * The list ends before the stack does: gdb cannot unwind kernel code
   * without its debug info, and without a System.map no scan names what is
   * above; with one, the scan did not reach the syscall entry.
   */
  cut: boolean;
  /** Kernel code is named from the kit's System.map (false: shown as addresses). */
  kernelSymbols: boolean;
}

/** A row of the Variables or Watch panel, or the value under the mouse. */
export interface DebugVariable {
  /** A variable, a field, an index ("[2]"), or a watch's expression. */
  name: string;
  value: string;
  type?: string;
  /** An argument of the frame's function (else a local, a field or a watch). */
  argument?: boolean;
  /** gdb's variable object when the value has parts (a struct's fields, what a pointer points at): debug.children lists them. */
  ref?: string;
  /** A byte pointer (void *, char *, u8 *): the bytes it points at, through debug.memory. */
  bytes?: { address: string; length: number };
  /** Differs from its value at the previous stop (what the last Next changed). */
  changed?: boolean;
  /** gdb could not evaluate it. */
  error?: string;
}

/** Bytes of the guest's memory. */
export interface DebugMemory {
  address: string;
  /** Two hex digits a byte; shorter than asked where the memory ends or cannot be read. */
  hex: string;
  error?: string;
}

/**
 * A breakpoint the workspace keeps between debug boots (the editor's gutter
 * shows it hollow until a debug boot sets it in gdb).
 */
export interface SavedBreakpoint {
  /** A workspace file: "kshram.c" or "kshram.h". */
  file: string;
  line: number;
}

/** After a gutter click: the workspace's breakpoints, and gdb's state when a debug boot runs. */
export interface BreakpointToggle {
  breakpoints: SavedBreakpoint[];
  debug?: DebugState;
}
