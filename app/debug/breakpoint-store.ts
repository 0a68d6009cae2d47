import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { stateDir } from '../paths.js';
import type { DebugBreakpoint, SavedBreakpoint } from './state.js';

/** Workspaces whose breakpoints are kept: the recent ones, not a history. */
const MAX_WORKSPACES = 20;
/** Breakpoints kept per workspace: more than anyone clicks in one file. */
const MAX_PER_WORKSPACE = 200;
/** The file names folders of the user's: theirs to read only. */
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
const storePath = (): string => join(stateDir(), 'breakpoints.json');

type Store = Array<{ dir: string; breakpoints: SavedBreakpoint[] }>;

const valid = (b: unknown): b is SavedBreakpoint => !!b && typeof b === 'object' && typeof (b as SavedBreakpoint).file === 'string' && Number.isInteger((b as SavedBreakpoint).line) && (b as SavedBreakpoint).line > 0;

async function readStore(): Promise<Store> {
  try {
    const parsed: unknown = JSON.parse(await readFile(storePath(), 'utf8'));
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((entry: { dir?: unknown; breakpoints?: unknown }) => (typeof entry?.dir === 'string' && Array.isArray(entry.breakpoints) ? [{ dir: entry.dir, breakpoints: entry.breakpoints.filter(valid) }] : []));
  } catch {
    return [];
  }
}

/** The same breakpoints in one order, each once. */
export function normalize(list: SavedBreakpoint[]): SavedBreakpoint[] {
  const seen = new Map(list.map((b) => [`${b.file}:${b.line}`, { file: b.file, line: b.line }]));
  return [...seen.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line).slice(0, MAX_PER_WORKSPACE);
}

/** gdb's breakpoints in the student's files, as the workspace keeps them. */
export function savedFrom(breakpoints: DebugBreakpoint[]): SavedBreakpoint[] {
  return normalize(breakpoints.flatMap((b) => (b.file && b.line ? [{ file: b.file, line: b.line }] : [])));
}

/**
 * The breakpoints of one workspace, kept in the user's state folder (as
 * VS Code keeps them in its workspace storage, not in the folder the
 * student submits): set any time, shown hollow until a debug boot, set in
 * gdb when one starts. Writes are queued so the last one wins.
 */
export class BreakpointStore {
  private list: SavedBreakpoint[] = [];
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<BreakpointStore> {
    const store = new BreakpointStore(dir);
    store.list = normalize((await readStore()).find((e) => e.dir === dir)?.breakpoints ?? []);
    return store;
  }

  get breakpoints(): SavedBreakpoint[] {
    return this.list;
  }

  /** Adds a breakpoint at file:line, or removes the one there. */
  toggle(file: string, line: number): Promise<SavedBreakpoint[]> {
    const has = this.list.some((b) => b.file === file && b.line === line);
    return this.replace(has ? this.list.filter((b) => b.file !== file || b.line !== line) : [...this.list, { file, line }]);
  }

  /** Takes `list` as the workspace's breakpoints (gdb's, during a debug boot). */
  async replace(list: SavedBreakpoint[]): Promise<SavedBreakpoint[]> {
    const next = normalize(list);
    if (JSON.stringify(next) === JSON.stringify(this.list)) return this.list;
    this.list = next;
    const dir = this.dir;
    this.writing = this.writing.then(async () => {
      const others = (await readStore()).filter((e) => e.dir !== dir);
      const store: Store = [{ dir, breakpoints: next }, ...others].filter((e) => e.breakpoints.length > 0).slice(0, MAX_WORKSPACES);
      await mkdir(stateDir(), { recursive: true, mode: PRIVATE_DIR });
      await writeFileAtomic(storePath(), JSON.stringify(store, null, 2), { mode: PRIVATE_FILE });
    }).catch(() => undefined); // a state folder that cannot be written loses the breakpoints at exit, not the session
    await this.writing;
    return this.list;
  }
}
