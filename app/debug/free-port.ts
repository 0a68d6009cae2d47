import { createServer } from 'node:net';

/** Where QEMU's gdbstub listens: the loopback interface only, never the network. */
export const GDB_HOST = '127.0.0.1';

/**
 * A TCP port of 127.0.0.1 that nothing listens on now. The kernel picks
 * it; QEMU binds it a moment later (the small window in between is
 * accepted: QEMU then fails to start with a clear message).
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, GDB_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}
