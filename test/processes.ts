import { readdirSync, readFileSync } from 'node:fs';

/** One process of this machine, as /proc shows it. */
export interface HostProcess {
  pid: number;
  ppid: number;
  /** The kernel's one-letter state; Z is a zombie (dead, only not yet reaped). */
  state: string;
  /** The command line, its arguments joined by spaces (a kernel thread's is empty). */
  command: string;
  /** The value of environment variable `name`, or undefined (not set, or the process is gone or not ours to read). */
  env(name: string): string | undefined;
}

const pids = (): number[] => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);

/** Reads /proc/PID/environ once, when first asked. */
function environmentOf(pid: number): (name: string) => string | undefined {
  let vars: Map<string, string> | undefined;
  return (name) => {
    if (!vars) {
      vars = new Map();
      try {
        for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
          const eq = entry.indexOf('=');
          if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
        }
      } catch {
        // gone meanwhile, or another user's
      }
    }
    return vars.get(name);
  };
}

/** The kernel's one-letter state of process `pid` (Z: a zombie), or undefined when there is no such process. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Every process of this machine now (those that end while it is read are left out). */
export function hostProcesses(): HostProcess[] {
  const found: HostProcess[] = [];
  for (const pid of pids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after the last ')'
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid, ppid: Number(ppid), state: state!, command, env: environmentOf(pid) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Processes whose command line mentions `marker` (a private TMPDIR every process of a run carries), as "pid name". */
export function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of pids()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(marker)) found.push(`${pid} ${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** What a build or a VM runs as: any of these left after the CLI exited is a leak. */
export const BUILD_TOOLS = / (make|gcc|cc|cc1|as|ld|bwrap|prlimit|setpriv|qemu-system-x86)$/;
