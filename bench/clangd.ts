/**
 * The editor's clangd, measured the way the editor drives it (through the
 * session's LspHost, as the API does): from opening kshram.c to the first
 * completion that offers kzalloc (cold: the kit's first open, no cached
 * flags or index; warm: a later session), completion latency while typing
 * a line character by character, and clangd's resident memory.
 *   npx tsx bench/clangd.ts [kit ...]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_KIT } from '../app/kit/kit.js';
import { kitLspDir } from '../app/lsp/compile-commands.js';
import { LspHost } from '../app/lsp/host.js';
import { createWorkspace } from '../app/workspace/templates.js';
import { printTable } from './stats.js';
import { guardThisProcess } from '../test/guarded.js';

// under the suite's leftover guard: whatever it starts must be gone when it ends (test/guarded.ts)
await guardThisProcess();

/** Give up on a first completion after this long. */
const FIRST_COMPLETION_LIMIT_MS = 120_000;
/** Typed after `return ` on a new line, one character at a time. */
const TYPED = 'kzalloc(sizeof(struct page), GFP_KERNEL';
const kits = process.argv.length > 2 ? process.argv.slice(2) : [DEFAULT_KIT];

interface Message {
  id?: number;
  method?: string;
  result?: unknown;
}

async function session(kit: string, dir: string): Promise<{ firstMs: number; typingMs: number[]; rssMiB: number }> {
  const replies = new Map<number, (m: Message) => void>();
  let generation = 0;
  const host = new LspHost(kit, {
    onMessage: (gen, message) => {
      const m = message as Message;
      if (gen === generation && m.id !== undefined && !m.method) replies.get(m.id)?.(m);
    },
    onStatus: () => undefined,
  });
  let nextId = 1;
  const request = async (method: string, params: unknown): Promise<Message> => {
    const id = nextId++;
    const reply = new Promise<Message>((resolve) => replies.set(id, resolve));
    await host.send(generation, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return reply;
  };
  const notify = (method: string, params: unknown): Promise<void> => host.send(generation, JSON.stringify({ jsonrpc: '2.0', method, params }));
  const uri = pathToFileURL(join(dir, 'kshram.c')).href;
  const base = await readFile(join(dir, 'kshram.c'), 'utf8');
  const lines = base.split('\n').length;
  const textWith = (typed: string): string => `${base}\nstatic void *kshram_bench(void)\n{\n\treturn ${typed}\n}\n`;
  const labels = (m: Message): string[] => ((m.result as { items?: Array<{ filterText?: string; label: string }> })?.items ?? []).map((i) => i.filterText ?? i.label.trim());

  try {
    const started = Date.now();
    await host.setWorkspace(dir);
    generation = (await host.start()).generation;
    await request('initialize', { processId: null, rootUri: null, capabilities: {} });
    await notify('initialized', {});
    let version = 1;
    await notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text: textWith('kzal') } });
    const position = (typed: string) => ({ line: lines + 2, character: 8 + typed.length });
    // as the editor does: an empty answer before the index is ready is asked again
    for (;;) {
      const reply = await request('textDocument/completion', { textDocument: { uri }, position: position('kzal') });
      if (labels(reply).includes('kzalloc')) break;
      if (Date.now() - started > FIRST_COMPLETION_LIMIT_MS) throw new Error('no kzalloc within the limit');
      await new Promise((r) => setTimeout(r, 100));
    }
    const firstMs = Date.now() - started;
    const typingMs: number[] = [];
    for (let n = 1; n <= TYPED.length; n++) {
      const typed = TYPED.slice(0, n);
      await notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: textWith(typed) }] });
      const t = Date.now();
      await request('textDocument/completion', { textDocument: { uri }, position: position(typed) });
      typingMs.push(Date.now() - t);
    }
    const status = await readFile(`/proc/${host.pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { firstMs, typingMs, rssMiB: rssKiB / 1024 };
  } finally {
    await host.dispose();
  }
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const rows: string[][] = [];
for (const kit of kits) {
  const tmp = await mkdtemp(join(tmpdir(), 'kshram-bench-clangd-'));
  try {
    const dir = (await createWorkspace(join(tmp, 'ws'), 'starter')).dir;
    await rm(kitLspDir(kit), { recursive: true, force: true }); // cold: no cached flags, no index
    for (const run of ['cold (first open of the kit)', 'warm (next session)']) {
      const r = await session(kit, dir);
      rows.push([kit, run, (r.firstMs / 1000).toFixed(2), String(Math.round(percentile(r.typingMs, 50))), String(Math.round(percentile(r.typingMs, 95))), String(Math.max(...r.typingMs)), r.rssMiB.toFixed(0)]);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
printTable(['kit', 'run', 'open → first completion s', 'typing p50 ms', 'typing p95 ms', 'max ms', 'clangd RSS MiB'], rows);
