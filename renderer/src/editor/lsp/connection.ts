import { AbstractMessageReader, AbstractMessageWriter, createMessageConnection, type DataCallback, type Disposable, type Message, type MessageConnection } from 'vscode-jsonrpc/browser';
import type { LabClient } from '../../../../app/api';

/** Messages from clangd arrive as API events; only the current clangd's are read. */
class ApiReader extends AbstractMessageReader {
  constructor(
    private readonly client: LabClient,
    private readonly generation: number,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const off = this.client.on('lsp.message', ({ generation, message }) => {
      if (generation === this.generation) callback(message as Message);
    });
    return { dispose: off };
  }
}

/** Messages to clangd go as one API command each (the engine checks and forwards them). */
class ApiWriter extends AbstractMessageWriter {
  constructor(
    private readonly client: LabClient,
    private readonly generation: number,
  ) {
    super();
  }

  async write(message: Message): Promise<void> {
    try {
      await this.client.invoke('lsp.send', { generation: this.generation, message: JSON.stringify(message) });
    } catch (err) {
      this.fireError(err, message, 1);
    }
  }

  end(): void {}
}

/**
 * A JSON-RPC connection to the workspace's clangd over the lab's own API
 * (Electron IPC or the web mode's WebSocket): vscode-jsonrpc does the
 * request ids, cancellation and dispatch; the transport is ours.
 */
export function connectToClangd(client: LabClient, generation: number): MessageConnection {
  const connection = createMessageConnection(new ApiReader(client, generation), new ApiWriter(client, generation));
  connection.listen();
  return connection;
}
