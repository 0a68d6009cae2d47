import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LspStatus } from '../api/contract.js';
import { run } from '../process.js';
import { createWorkspace } from '../workspace/templates.js';
import { findClangd } from './clangd.js';
import { LspHost } from './host.js';

/** clangd parses the kernel headers a kshram.c includes in a few seconds here (cold, loaded machine: more). */
const REPLY_MS = 60_000;

interface Reply {
  id?: number;
  method?: string;
  result?: unknown;
  error?: { code?: number; message: string };
  params?: unknown;
}

/** A bare LSP client over the host, as the editor is one: requests by id, notifications collected. */
function client(host: LspHost, replies: Reply[], generation: () => number) {
  let nextId = 1;
  return {
    async request(method: string, params: unknown): Promise<unknown> {
      const id = nextId++;
      await host.send(generation(), JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      const started = Date.now();
      while (Date.now() - started < REPLY_MS) {
        const reply = replies.find((r) => r.id === id && !r.method);
        if (reply) {
          if (reply.error) throw new Error(reply.error.message);
          return reply.result;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no reply to ${method} within ${REPLY_MS} ms`);
    },
    notify: (method: string, params: unknown) => host.send(generation(), JSON.stringify({ jsonrpc: '2.0', method, params })),
  };
}

const haveClangd = !!(await findClangd());

describe.skipIf(!haveClangd)('clangd for a workspace, with kbuild\'s flags for the kit', () => {
  let tmp: string;
  let host: LspHost;
  const replies: Reply[] = [];
  const statuses: LspStatus[] = [];
  let generation = 0;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kshram-lsp-'));
    host = new LspHost('debian-6.1', {
      onMessage: (gen, message) => {
        if (gen === generation) replies.push(message as Reply);
      },
      onStatus: (s) => statuses.push(s),
    });
  });

  afterAll(async () => {
    await host.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('completes kzal to kzalloc, answers hover from the kit\'s headers, refuses files outside, and leaves no clangd behind', { timeout: 180_000 }, async () => {
    const workspace = await createWorkspace(join(tmp, 'ws'), 'starter');
    await host.setWorkspace(workspace.dir);
    const info = await host.start();
    expect(info.available).toBe(true);
    generation = info.generation;
    const pid = host.pid!;
    expect(pid).toBeGreaterThan(0);
    const lsp = client(host, replies, () => generation);
    await lsp.request('initialize', { processId: null, rootUri: 'file:///', capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } } });
    await lsp.notify('initialized', {});
    const uri = pathToFileURL(join(workspace.dir, 'kshram.c')).href;
    const text = `#include <linux/slab.h>\nstatic void *f(void)\n{\n\treturn kzal\n}\n`;
    await lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    // clangd offers the headers' names once it has indexed them (a second or two after the preamble)
    let labels: string[] = [];
    for (const started = Date.now(); !labels.includes('kzalloc') && Date.now() - started < REPLY_MS; await new Promise((r) => setTimeout(r, 200))) {
      const completion = (await lsp.request('textDocument/completion', { textDocument: { uri }, position: { line: 3, character: 12 } })) as { items: Array<{ label: string; filterText?: string }> };
      labels = completion.items.map((i) => i.filterText ?? i.label.trim());
    }
    expect(labels).toContain('kzalloc');

    const hover = (await lsp.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 9 } })) as { contents: { value: string } } | null;
    expect(hover).toBeNull(); // `kzal` is not a name: nothing to show (a real answer, not an error)

    const definition = (await lsp.request('textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 12 } })) as Array<{ uri?: string; targetUri?: string }>;
    expect(definition.map((d) => d.targetUri ?? d.uri).join()).toMatch(/kits\/debian-6\.1\/.*include\/linux\/slab\.h$/);
    const header = await host.readFile((definition[0]!.targetUri ?? definition[0]!.uri)!);
    expect(header.label).toMatch(/include\/linux\/slab\.h$/);
    expect(header.content).toContain('kzalloc');

    await expect(host.send(generation, JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///etc/passwd', languageId: 'c', version: 1, text: '' } } }))).rejects.toThrow(/outside the workspace/);
    await expect(host.readFile('file:///etc/passwd')).rejects.toThrow(/outside the workspace/);
    await expect(host.send(generation, JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'workspace/applyEdit', params: {} }))).rejects.toThrow(/not allowed/);

    // a new kit restarts clangd on its headers; the old process is gone
    await host.setKit('debian-6.12');
    const restarted = await host.start();
    expect(restarted.generation).toBeGreaterThan(info.generation);
    expect((await run('ps', ['-p', String(pid), '-o', 'pid='])).output.trim()).toBe('');
    const newPid = host.pid!;
    await host.dispose();
    expect((await run('ps', ['-p', String(newPid), '-o', 'pid='])).output.trim()).toBe('');
    expect(statuses.map((s) => s.state)).toContain('running');
  });
});

describe.skipIf(!haveClangd)('clangd compiles with our command only', () => {
  let tmp: string;
  let host: LspHost | undefined;
  afterAll(async () => {
    await host?.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('a workspace .clangd (CompileFlags: Add), didChangeConfiguration and initializationOptions change nothing', { timeout: 180_000 }, async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kshram-lsp-config-'));
    const workspace = await createWorkspace(join(tmp, 'ws'), 'starter');
    const source = join(workspace.dir, 'kshram.c');
    // each flag would turn an #error on; the #warning shows the file was parsed with our command
    await writeFile(join(workspace.dir, '.clangd'), 'CompileFlags:\n  Add: [-DKSHRAM_FROM_DOT_CLANGD]\n');
    const text = [
      '#include <linux/slab.h>',
      '#ifdef KSHRAM_FROM_DOT_CLANGD',
      '#error the workspace .clangd was applied',
      '#endif',
      '#ifdef KSHRAM_FROM_SETTINGS',
      '#error didChangeConfiguration was applied',
      '#endif',
      '#ifdef KSHRAM_FROM_INIT',
      '#error initializationOptions were applied',
      '#endif',
      '#warning kshram-parsed-with-our-command',
      '',
    ].join('\n');
    const replies: Reply[] = [];
    let generation = 0;
    host = new LspHost('debian-6.1', { onMessage: (gen, message) => gen === generation && replies.push(message as Reply), onStatus: () => undefined });
    await host.setWorkspace(workspace.dir);
    generation = (await host.start()).generation;
    const lsp = client(host, replies, () => generation);
    const command = (define: string) => ({ [source]: { workingDirectory: workspace.dir, compilationCommand: ['clang', `-D${define}`, source] } });
    await lsp.request('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: { compilationDatabaseChanges: command('KSHRAM_FROM_INIT'), fallbackFlags: ['-DKSHRAM_FROM_INIT'], clangdFileStatus: false } });
    await lsp.notify('initialized', {});
    await lsp.notify('workspace/didChangeConfiguration', { settings: { compilationDatabaseChanges: command('KSHRAM_FROM_SETTINGS') } });
    const uri = pathToFileURL(source).href;
    await lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    let messages: string[] = [];
    for (const started = Date.now(); !messages.some((m) => /kshram-parsed-with-our-command/i.test(m)) && Date.now() - started < REPLY_MS; await new Promise((r) => setTimeout(r, 200))) {
      const published = replies.filter((r) => r.method === 'textDocument/publishDiagnostics' && (r.params as { uri: string }).uri === uri).at(-1);
      messages = ((published?.params as { diagnostics: { message: string; code?: string }[] } | undefined)?.diagnostics ?? []).map((d) => `${d.code ?? ''} ${d.message}`);
    }
    expect(messages.join('\n')).toMatch(/kshram-parsed-with-our-command/i); // clangd capitalises the message
    expect(messages.join('\n')).not.toMatch(/was applied|were applied/);
    // kernel headers are included for their side effects: clangd's unused-include hint is not passed on
    expect(messages.join('\n')).not.toContain('unused-includes');
  });
});

/** Changes sent in one go, as Monaco sends one per character of an insert; rounds of them, since a swap is a matter of timing. */
const BURST = 200;
const ROUNDS = 25;
/** LSP's RequestCancelled error code, and an id the bare client's own (counting from 1) never reaches. */
const REQUEST_CANCELLED = -32800;
const CANCELLED_ID = 1_000_000;

describe.skipIf(!haveClangd)("the editor's messages reach clangd in the order sent", () => {
  let tmp: string;
  let host: LspHost | undefined;
  afterAll(async () => {
    await host?.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('a cancel reaches clangd after its request; after a burst of full-text changes clangd has the last text, round after round', { timeout: 180_000 }, async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kshram-lsp-order-'));
    const workspace = await createWorkspace(join(tmp, 'ws'), 'starter');
    const replies: Reply[] = [];
    let generation = 0;
    host = new LspHost('debian-6.1', { onMessage: (gen, message) => gen === generation && replies.push(message as Reply), onStatus: () => undefined });
    await host.setWorkspace(workspace.dir);
    generation = (await host.start()).generation;
    const lsp = client(host, replies, () => generation);
    await lsp.request('initialize', { processId: null, rootUri: null, capabilities: { textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true } } } });
    await lsp.notify('initialized', {});
    const uri = pathToFileURL(join(workspace.dir, 'kshram.c')).href;
    await lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: '#include <linux/fs.h>\n#include <linux/slab.h>\nint v_1;\n' } });
    // a request, then its cancel (no file in it), as Monaco cancels a completion when typing goes on: clangd is
    // still parsing the headers when both arrive, so it answers "cancelled" (the cancel first: the whole answer, later)
    const asked = host.send(generation, JSON.stringify({ jsonrpc: '2.0', id: CANCELLED_ID, method: 'textDocument/documentSymbol', params: { textDocument: { uri } } }));
    const cancel = host.send(generation, JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: CANCELLED_ID } }));
    await Promise.all([asked, cancel]);
    await expect.poll(() => replies.find((r) => r.id === CANCELLED_ID && !r.method), { timeout: REPLY_MS }).toBeDefined();
    expect(replies.find((r) => r.id === CANCELLED_ID && !r.method)?.error?.code).toBe(REQUEST_CANCELLED);

    // each version declares a variable named after it: clangd's outline says which text it holds
    const textOf = (version: number): string => `int v_${version};\n`;
    let version = 1;
    const held: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sent: Promise<void>[] = [];
      for (let i = 0; i < BURST; i++) {
        version++;
        sent.push(lsp.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: textOf(version) }] }));
      }
      await Promise.all(sent);
      const symbols = (await lsp.request('textDocument/documentSymbol', { textDocument: { uri } })) as Array<{ name: string }>;
      held.push(symbols.map((s) => s.name).join());
    }
    // one entry per round: the last text of that round, never an earlier one
    expect(held).toEqual(Array.from({ length: ROUNDS }, (_, round) => `v_${1 + (round + 1) * BURST}`));
  });
});
