import { basename } from 'node:path';
import type { DebugBreakpoint } from './state.js';
import { miString, type MiTuple, type MiValue } from './mi.js';

/** The workspace file name for a source path gdb reports (the build used a private copy). */
export function workspaceFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const name = basename(path);
  return ['kshram.c', 'kshram.h'].includes(name) ? name : undefined;
}

/** A breakpoint as gdb's MI describes it (bkpt={…}), for the gutter. */
export function breakpointFrom(bkpt: MiValue | undefined): DebugBreakpoint | undefined {
  if (!bkpt || typeof bkpt === 'string' || Array.isArray(bkpt)) return undefined;
  const id = Number(miString(bkpt, 'number'));
  if (!Number.isInteger(id)) return undefined; // a location of a multi-location breakpoint ("1.2")
  // several locations (an inlined function): the first tells the line
  const first = Array.isArray(bkpt.locations) ? (bkpt.locations[0] as MiTuple | undefined) : undefined;
  const file = workspaceFile(miString(bkpt, 'fullname') ?? miString(bkpt, 'file') ?? miString(first, 'fullname'));
  const line = Number(miString(bkpt, 'line') ?? miString(first, 'line'));
  const pending = miString(bkpt, 'pending');
  if (pending) {
    // "kshram.c:131" as it was asked for
    const match = /^(?:.*\/)?([^/:]+):(\d+)$/.exec(pending);
    return { id, file: workspaceFile(match?.[1]), line: match ? Number(match[2]) : undefined, pending: true };
  }
  return { id, file, line: Number.isInteger(line) && line > 0 ? line : undefined, pending: false };
}

/** The rows of `-break-list`'s table. */
export function breakpointTable(results: MiTuple | undefined): MiValue[] | undefined {
  const table = results?.BreakpointTable;
  const body = table && typeof table === 'object' && !Array.isArray(table) ? table.body : undefined;
  return Array.isArray(body) ? body : undefined;
}
