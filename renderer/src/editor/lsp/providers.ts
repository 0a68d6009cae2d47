import type { MessageConnection } from 'vscode-jsonrpc/browser';
import { CodeActionRequest, CompletionRequest, DefinitionRequest, DocumentSymbolRequest, HoverRequest, ReferencesRequest, SignatureHelpRequest, SignatureHelpTriggerKind, type CodeAction, type CompletionItem, type CompletionList, type CompletionTriggerKind, type Command, type Diagnostic, type WorkspaceEdit } from 'vscode-languageserver-protocol';
import type { LabClient } from '../../../../app/api';
import { monaco } from '../monaco';
import { toCompletion, toEdit, toLocations, toMarkdown, toMonacoRange, toPosition, toRange, toSymbols } from './convert';
import type { LanguageClient } from './language-client';

const LANGUAGE = 'c';
/**
 * clangd offers the headers' names from an index it fills a second or two
 * after parsing them; until a first completion has come back non-empty, an
 * empty answer is asked again this often, for at most this long.
 */
const COLD_COMPLETION_RETRY_MS = 300;
const COLD_COMPLETION_WAIT_MS = 15_000;

const isEmpty = (result: CompletionList | CompletionItem[] | null | undefined): boolean => !!result && (Array.isArray(result) ? result : result.items).length === 0;

export interface ProviderContext {
  lsp: LanguageClient;
  client: LabClient;
  /** Makes sure a model exists for a location's file (a kit header is fetched and opened read-only). */
  ensureModel(uri: string): Promise<monaco.Uri | undefined>;
}

/** A request on a model clangd knows, cancelled when Monaco no longer wants the answer. */
async function ask<R>(ctx: ProviderContext, model: monaco.editor.ITextModel, token: monaco.CancellationToken, send: (c: MessageConnection) => Promise<R>): Promise<R | undefined> {
  if (!ctx.lsp.isOpen(model)) return undefined;
  const connection = await ctx.lsp.current();
  if (!connection || token.isCancellationRequested) return undefined;
  try {
    return await send(connection);
  } catch {
    return undefined; // a request clangd dropped (the file changed meanwhile): no answer, no error popup
  }
}

async function locations(ctx: ProviderContext, result: Parameters<typeof toLocations>[0]): Promise<monaco.languages.Location[]> {
  const out: monaco.languages.Location[] = [];
  for (const l of toLocations(result)) {
    const uri = await ctx.ensureModel(l.uri);
    if (uri) out.push({ uri, range: toMonacoRange(l.range) });
  }
  return out;
}

/** The Monaco providers for C, each a thin translation of one LSP request to clangd. */
export function registerProviders(ctx: ProviderContext): monaco.IDisposable {
  const doc = (model: monaco.editor.ITextModel) => ({ uri: model.uri.toString() });
  const disposables = [
    monaco.languages.registerCompletionItemProvider(LANGUAGE, {
      triggerCharacters: ['.', '>', ':', '#', '<', '"', '/'],
      provideCompletionItems: async (model, position, context, token) => {
        const params = { textDocument: doc(model), position: toPosition(position), context: { triggerKind: (context.triggerKind + 1) as CompletionTriggerKind, triggerCharacter: context.triggerCharacter } };
        let result = await ask(ctx, model, token, (c) => c.sendRequest(CompletionRequest.type, params, token));
        // right after start clangd answers from an index it is still filling: empty; ask again until it has one
        for (const started = Date.now(); !ctx.lsp.completionWarm && isEmpty(result) && !token.isCancellationRequested && Date.now() - started < COLD_COMPLETION_WAIT_MS; ) {
          await new Promise((r) => setTimeout(r, COLD_COMPLETION_RETRY_MS));
          result = await ask(ctx, model, token, (c) => c.sendRequest(CompletionRequest.type, params, token));
        }
        if (!result) return { suggestions: [], incomplete: true };
        const items = Array.isArray(result) ? result : result.items;
        if (items.length) ctx.lsp.completionWarm = true;
        const word = model.getWordUntilPosition(position);
        const range = { startLineNumber: position.lineNumber, startColumn: word.startColumn, endLineNumber: position.lineNumber, endColumn: position.column };
        return { suggestions: items.map((i) => toCompletion(i, range)), incomplete: Array.isArray(result) ? false : result.isIncomplete };
      },
    }),
    monaco.languages.registerHoverProvider(LANGUAGE, {
      provideHover: async (model, position, token) => {
        const hover = await ask(ctx, model, token, (c) => c.sendRequest(HoverRequest.type, { textDocument: doc(model), position: toPosition(position) }, token));
        if (!hover) return undefined;
        const contents = toMarkdown(hover.contents);
        // clangd reads headers only; a function documented in its .c file gets that comment from the engine
        const word = model.getWordAtPosition(position)?.word;
        const extra = word ? await ctx.client.invoke('lsp.kernelDoc', { name: word }).catch(() => null) : null;
        const firstLine = extra?.doc.split('\n')[0] ?? '';
        if (extra && !contents.some((c) => c.value.includes(firstLine.slice(firstLine.indexOf(' - ') + 3)))) {
          contents.push({ value: `\`\`\`\n${extra.doc}\n\`\`\`\n*kernel-doc from ${extra.source}*` });
        }
        return { contents, range: hover.range ? toMonacoRange(hover.range) : undefined };
      },
    }),
    monaco.languages.registerSignatureHelpProvider(LANGUAGE, {
      signatureHelpTriggerCharacters: ['(', ','],
      signatureHelpRetriggerCharacters: [')'],
      provideSignatureHelp: async (model, position, token, context) => {
        const help = await ask(ctx, model, token, (c) =>
          c.sendRequest(SignatureHelpRequest.type, { textDocument: doc(model), position: toPosition(position), context: { triggerKind: context.triggerKind === monaco.languages.SignatureHelpTriggerKind.TriggerCharacter ? SignatureHelpTriggerKind.TriggerCharacter : context.triggerKind === monaco.languages.SignatureHelpTriggerKind.ContentChange ? SignatureHelpTriggerKind.ContentChange : SignatureHelpTriggerKind.Invoked, triggerCharacter: context.triggerCharacter, isRetrigger: context.isRetrigger } }, token),
        );
        if (!help || !help.signatures.length) return undefined;
        return {
          value: {
            signatures: help.signatures.map((s) => ({ label: s.label, documentation: toMarkdown(s.documentation)[0], parameters: (s.parameters ?? []).map((p) => ({ label: p.label, documentation: toMarkdown(p.documentation)[0] })), activeParameter: s.activeParameter ?? undefined })),
            activeSignature: help.activeSignature ?? 0,
            activeParameter: help.activeParameter ?? 0,
          },
          dispose: () => undefined,
        };
      },
    }),
    monaco.languages.registerDefinitionProvider(LANGUAGE, {
      provideDefinition: async (model, position, token) => locations(ctx, (await ask(ctx, model, token, (c) => c.sendRequest(DefinitionRequest.type, { textDocument: doc(model), position: toPosition(position) }, token))) ?? null),
    }),
    monaco.languages.registerReferenceProvider(LANGUAGE, {
      provideReferences: async (model, position, context, token) => locations(ctx, (await ask(ctx, model, token, (c) => c.sendRequest(ReferencesRequest.type, { textDocument: doc(model), position: toPosition(position), context }, token))) ?? null),
    }),
    monaco.languages.registerDocumentSymbolProvider(LANGUAGE, {
      displayName: 'clangd',
      provideDocumentSymbols: async (model, token) => toSymbols((await ask(ctx, model, token, (c) => c.sendRequest(DocumentSymbolRequest.type, { textDocument: doc(model) }, token))) ?? null),
    }),
    monaco.languages.registerCodeActionProvider(LANGUAGE, {
      provideCodeActions: async (model, range, context, token) => {
        const ours = context.markers.filter((m) => m.source === 'clangd');
        const diagnostics: Diagnostic[] = ours.map((m) => ({ range: toRange(m), message: m.message, severity: m.severity === monaco.MarkerSeverity.Error ? 1 : m.severity === monaco.MarkerSeverity.Warning ? 2 : 3, source: 'clang', code: typeof m.code === 'string' ? m.code : undefined }));
        const result = await ask(ctx, model, token, (c) => c.sendRequest(CodeActionRequest.type, { textDocument: doc(model), range: toRange(range), context: { diagnostics, only: context.only ? [context.only] : undefined } }, token));
        // only actions that carry their edit: clangd's fix-its for diagnostics
        const actions = (result ?? []).filter((a): a is CodeAction => !isCommand(a) && !!a.edit);
        return {
          actions: actions.map((a) => ({ title: a.title, kind: a.kind, isPreferred: a.isPreferred, diagnostics: ours, edit: toWorkspaceEdit(a.edit!) })),
          dispose: () => undefined,
        };
      },
    }),
    monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE, {
      displayName: "the kernel's .clang-format",
      provideDocumentFormattingEdits: async (model) => {
        const path = model.uri.path.split('/').pop() ?? 'kshram.c';
        const text = await ctx.client.invoke('lsp.format', { path, content: model.getValue() });
        return text === model.getValue() ? [] : [{ range: model.getFullModelRange(), text }];
      },
    }),
  ];
  return { dispose: () => disposables.forEach((d) => d.dispose()) };
}

const isCommand = (a: CodeAction | Command): a is Command => typeof (a as Command).command === 'string';

function toWorkspaceEdit(edit: WorkspaceEdit): monaco.languages.WorkspaceEdit {
  const edits: monaco.languages.IWorkspaceTextEdit[] = [];
  for (const [uri, list] of Object.entries(edit.changes ?? {})) for (const e of list) edits.push({ resource: monaco.Uri.parse(uri), textEdit: toEdit(e), versionId: undefined });
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change) for (const e of change.edits) edits.push({ resource: monaco.Uri.parse(change.textDocument.uri), textEdit: toEdit(e as { range: never; newText: string }), versionId: undefined });
  }
  return { edits };
}
