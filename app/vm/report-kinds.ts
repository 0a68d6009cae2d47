/**
 * The kernel reports that end a run, as one table: how each starts on the
 * console, how it ends, and how it is named to a student. To recognise a
 * new kind of report (KASAN, KFENCE, lockdep, ...), add a row here; crash
 * detection, descriptions and the grader's evidence pick it up.
 */

export interface ReportKind {
  kind: string;
  /** First lines of this kind of report, tested on the message without its timestamp. */
  starts: readonly RegExp[];
  /** "Kernel Oops in mutex_lock+0x19/0x30: ..." */
  label: string;
  /** What happened, for a transcript cut short: "the kernel oopsed". */
  happened: string;
  /**
   * The report's last line when the kernel prints no "---[ end trace" for
   * it (a lockup's trace, a panic that resets at once).
   */
  ends?: RegExp;
}

/**
 * In order of precedence: a line is of the first kind that matches it
 * (lockups say "BUG:" too, so they come before the generic BUG).
 */
export const REPORT_KINDS = [
  {
    kind: 'lockup',
    starts: [/BUG: soft lockup|Watchdog detected hard LOCKUP|hard LOCKUP|BUG: workqueue lockup/],
    label: 'Kernel lockup',
    happened: 'a CPU locked up',
    // a lockup report has no end marker: its call trace is the last part
    ends: /^<\/TASK>$/,
  },
  {
    kind: 'stall',
    // "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" (a CPU spinning with interrupts off), "rcu_sched self-detected stall"
    starts: [/rcu: INFO: rcu_\w+ (self-)?detected (expedited )?stalls?\b/],
    label: 'RCU stall',
    happened: 'RCU stalled: a CPU stopped responding',
  },
  {
    kind: 'oops',
    // the last: the header every trap's die() prints ("divide error: 0000 [#1] PREEMPT SMP NOPTI", on 6.12
    // "Oops: stack segment: 0000 [#1] ..."); without it a trap in an interrupt at boot showed only the panic after it
    starts: [/BUG: (unable to handle|kernel NULL pointer dereference|kernel paging request)/, /\bOops: [0-9a-f]{4}/, /general protection fault/, /kernel BUG at /, /invalid opcode: [0-9a-f]{4}/, /(?:^|\] )(?:Oops: )?[a-z][\w -]*: [0-9a-f]{4} \[#\d+\]/],
    label: 'Kernel Oops',
    happened: 'the kernel oopsed',
  },
  {
    kind: 'panic',
    starts: [/Kernel panic - not syncing/],
    label: 'Kernel panic',
    happened: 'the kernel panicked',
    // with panic=-1 the kernel resets right after this line, before any end marker
    ends: /^Kernel Offset: /,
  },
  {
    kind: 'oom',
    // "Out of memory: Killed process 57 (insmod) total-vm:..." (an error, so it shows at the grading log level)
    starts: [/Out of memory: Killed process \d+ /, /Out of memory and no killable processes/],
    label: 'The guest ran out of memory',
    happened: 'the guest ran out of memory and the OOM killer ended a process',
    // one line; whatever the console shows next completes it
    ends: /./,
  },
  {
    kind: 'agent',
    // written by the guest's /init when the agent ends, whatever killed it
    starts: [/kshram-lab: the guest agent ended \(exit status \d+\)/],
    label: 'The grader lost the guest',
    happened: "the guest's agent ended",
    ends: /./,
  },
  {
    kind: 'bug',
    // the kernel found corrupted state it cannot trust: bad page state, scheduling while atomic, ...
    starts: [/\bBUG: /],
    label: 'Kernel BUG',
    happened: 'the kernel reported a BUG',
  },
] as const satisfies readonly ReportKind[];

export type CrashKind = (typeof REPORT_KINDS)[number]['kind'];

export function reportKind(kind: CrashKind): ReportKind {
  return REPORT_KINDS.find((row) => row.kind === kind)!;
}

/** The kind of report a console message starts, if it starts one. */
export function reportStartedBy(message: string): CrashKind | undefined {
  return REPORT_KINDS.find((row) => row.starts.some((start) => start.test(message)))?.kind;
}

/**
 * Reports the kernel survives: a checker (a debug kit's KASAN, lockdep,
 * UBSAN, ...; slub_debug or page_poison on a checked stock kernel) found
 * a bug, printed it, and went on. They never end a run: the grader turns
 * each into a note (app/checked). Tested before REPORT_KINDS, whose
 * generic "BUG: " would take KASAN's and the sleeping-function report.
 */
export const SANITIZER_KINDS = [
  {
    kind: 'kasan',
    // "BUG: KASAN: slab-out-of-bounds in kshram_set_size+0x1c3/0x2d0 [kshram]"
    starts: [/BUG: KASAN: /],
    label: 'KASAN',
    happened: 'KASAN found a bad memory access',
    // the report sits between two lines of "="
    ends: /^={20,}$/,
  },
  {
    kind: 'kfence',
    starts: [/BUG: KFENCE: /],
    label: 'KFENCE',
    happened: 'KFENCE found a bad memory access',
    ends: /^={20,}$/,
  },
  {
    kind: 'ubsan',
    // "UBSAN: array-index-out-of-bounds in /tmp/x/kshram.c:124:21"
    starts: [/^UBSAN: [\w-]+ in /],
    label: 'UBSAN',
    happened: 'UBSAN found undefined behaviour',
    ends: /^={20,}$/,
  },
  {
    kind: 'slub',
    // slub_debug: "BUG kmalloc-4k (Tainted: G    B      O      ): Right Redzone overwritten"
    starts: [/^BUG [\w.:-]+ \([^)]*\): /],
    label: 'SLUB debug',
    happened: 'SLUB found a corrupted heap object',
    // "FIX kmalloc-4k: Restoring Right Redzone 0x...-0x...=0xcc"
    ends: /^FIX [\w.:-]+: /,
  },
  {
    kind: 'page-poison',
    starts: [/^pagealloc: (memory corruption|single bit error)/],
    label: 'Page poisoning',
    happened: 'a freed page was written to',
    ends: /^<\/TASK>$/,
  },
  {
    kind: 'lockdep',
    starts: [
      /^WARNING: (possible recursive locking detected|possible circular locking dependency detected|inconsistent lock state|bad unlock balance detected!|lock held when returning to user space!|held lock freed!|possible irq lock inversion dependency detected|Nested lock was not taken|suspicious RCU usage)/,
      /^WARNING: \w+-safe -> \w+-unsafe lock order detected/,
    ],
    label: 'lockdep',
    happened: 'lockdep found a locking bug',
    ends: /^<\/TASK>$/,
  },
  {
    kind: 'atomic-sleep',
    starts: [/BUG: sleeping function called from invalid context/, /BUG: (workqueue leaked lock|using smp_processor_id\(\) in preemptible)/],
    label: 'Sleep in atomic context',
    happened: 'a function that may sleep was called where sleeping is forbidden',
    ends: /^<\/TASK>$/,
  },
  {
    kind: 'kmemleak',
    // not a console report: parsed from the kmemleak file after unloading (app/checked/kmemleak.ts)
    starts: [],
    label: 'kmemleak',
    happened: 'memory was never freed',
  },
] as const satisfies readonly ReportKind[];

export type SanitizerKind = (typeof SANITIZER_KINDS)[number]['kind'];

export function sanitizerKind(kind: SanitizerKind): ReportKind {
  return SANITIZER_KINDS.find((row) => row.kind === kind)!;
}

/** The kind of checker report a console message starts, if it starts one. */
export function sanitizerReportStartedBy(message: string): SanitizerKind | undefined {
  return SANITIZER_KINDS.find((row) => row.starts.some((start: RegExp) => start.test(message)))?.kind;
}
