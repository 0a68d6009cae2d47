import { existsSync } from 'node:fs';
import type { ModuleBuildResult } from '../build/module.js';
import type { Kit } from '../kit/kit.js';
import type { RunSymbols } from './decode.js';

/**
 * The objects a guest was booted with, for decoding its reports: the
 * exact .ko files put into its initramfs (the student's kept in the run's
 * directory until the run ends) and the kit's vmlinux when it has one.
 */
export function runSymbols(kit: Kit, student: Readonly<Record<string, ModuleBuildResult>>, ours: Readonly<Record<string, string>> = {}): RunSymbols {
  const loaded: Record<string, RunSymbols['modules'][string]> = {};
  // our own modules (hello) have lines, but they are not the student's code
  for (const [name, koPath] of Object.entries(ours)) loaded[name] = { koPath };
  // a prebuilt module (a course-service upload) has no sources here: its own files are named from its DWARF, never read
  for (const [name, build] of Object.entries(student)) if (build.ok && build.koPath) loaded[name] = build.prebuilt ? { koPath: build.koPath, prebuilt: true } : { koPath: build.koPath, sources: { dir: build.buildDir, files: build.sources } };
  return { modules: loaded, ...(kit.vmlinuxPath && existsSync(kit.vmlinuxPath) ? { vmlinux: kit.vmlinuxPath } : {}) };
}
