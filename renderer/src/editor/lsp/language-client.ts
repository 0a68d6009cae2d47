import type { MessageConnection } from 'vscode-jsonrpc/browser';
import { DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, DidSaveTextDocumentNotification, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, type ClientCapabilities, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { LabClient, LspStatus } from '../../../../app/api';
import { monaco } from '../monaco';
import { connectToClangd } from './connection';

/** What the editor tells clangd it can do: markdown docs, snippets, quick fixes with edits, related info. */
const CAPABILITIES: ClientCapabilities = {
  textDocument: {
    synchronization: { didSave: true, dynamicRegistration: false },
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'], insertReplaceSupport: true, labelDetailsSupport: true }, contextSupport: true },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    signatureHelp: { signatureInformation: { documentationFormat: ['markdown', 'plaintext'], parameterInformation: { labelOffsetSupport: true }, activeParameterSupport: true } },
    definition: { linkSupport: true },
    declaration: { linkSupport: true },
    references: {},
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } }, isPreferredSupport: true },
    publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
  },
  general: { positionEncodings: ['utf-16'] },
};

export interface ClientEvents {
  onStatus(status: LspStatus): void;
  onDiagnostics(params: PublishDiagnosticsParams): void;
}

/**
 * The editor's side of the language server: asks the engine to start
 * clangd, initializes it over the API, keeps the workspace's models open
 * in it (full text on every change: kshram.c is small), and follows a
 * restart (a new kit) by initializing the new clangd and reopening them.
 */
export class LanguageClient {
  private connection: MessageConnection | undefined;
  private generation = -1;
  private ready: Promise<MessageConnection | undefined> | undefined;
  private readonly models = new Map<string, { model: monaco.editor.ITextModel; listener: monaco.IDisposable; version: number }>();
  private readonly offState: () => void;
  private disposed = false;
  /** A completion has come back non-empty: clangd's index of the headers is there (see providers.ts). */
  completionWarm = false;

  constructor(
    private readonly client: LabClient,
    private readonly events: ClientEvents,
  ) {
    this.offState = client.on('lsp.state', (status) => {
      this.events.onStatus(status);
      // a new clangd (the kit changed): connect to it and reopen the files
      if (status.state === 'running' && status.generation !== this.generation) void this.connect();
    });
  }

  /** The connection once clangd is up; undefined when it cannot run (the status says why). */
  current(): Promise<MessageConnection | undefined> {
    this.ready ??= this.connect();
    return this.ready;
  }

  private connect(): Promise<MessageConnection | undefined> {
    this.ready = (async () => {
      const info = await this.client.invoke('lsp.start', {});
      this.events.onStatus(info.status);
      if (!info.available || this.disposed) return undefined;
      if (info.generation === this.generation && this.connection) return this.connection;
      this.connection?.dispose();
      this.generation = info.generation;
      this.completionWarm = false;
      const connection = connectToClangd(this.client, info.generation);
      this.connection = connection;
      connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
        if (this.connection === connection) this.events.onDiagnostics(params);
      });
      // requests clangd may send (progress tokens, edits of tweaks) are answered plainly
      connection.onRequest(() => null);
      await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: info.rootUri ?? null, capabilities: CAPABILITIES, initializationOptions: { clangdFileStatus: false } });
      await connection.sendNotification(InitializedNotification.type, {});
      for (const entry of this.models.values()) {
        entry.version = 1;
        await this.sendOpen(connection, entry.model);
      }
      return connection;
    })().catch((err: unknown) => {
      this.events.onStatus({ state: 'failed', generation: this.generation, message: err instanceof Error ? err.message : String(err) });
      return undefined;
    });
    return this.ready;
  }

  /** Keeps a model open in clangd while it lives. */
  async open(model: monaco.editor.ITextModel): Promise<void> {
    const uri = model.uri.toString();
    if (this.models.has(uri)) return;
    const entry = {
      model,
      version: 1,
      listener: model.onDidChangeContent(() => {
        entry.version++;
        void this.connection?.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: entry.version }, contentChanges: [{ text: model.getValue() }] });
      }),
    };
    this.models.set(uri, entry);
    const connection = await this.current();
    if (connection && this.models.get(uri) === entry) await this.sendOpen(connection, model);
  }

  close(model: monaco.editor.ITextModel): void {
    const uri = model.uri.toString();
    const entry = this.models.get(uri);
    if (!entry) return;
    entry.listener.dispose();
    this.models.delete(uri);
    void this.connection?.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  saved(model: monaco.editor.ITextModel): void {
    if (this.models.has(model.uri.toString())) void this.connection?.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: model.uri.toString() } });
  }

  isOpen(model: monaco.editor.ITextModel): boolean {
    return this.models.has(model.uri.toString());
  }

  private sendOpen(connection: MessageConnection, model: monaco.editor.ITextModel): Promise<void> {
    return connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: model.uri.toString(), languageId: 'c', version: 1, text: model.getValue() } });
  }

  dispose(): void {
    this.disposed = true;
    this.offState();
    for (const model of [...this.models.values()].map((e) => e.model)) this.close(model);
    this.connection?.dispose();
    this.connection = undefined;
  }
}
