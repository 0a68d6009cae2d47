import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line mentions `marker` (a private TMPDIR every process of a run carries), as "pid name". */
export function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
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
