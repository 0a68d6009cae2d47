import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModule } from '../../build/module.js';
import { selectToolchain } from '../../build/select.js';
import { loadKit } from '../../kit/kit.js';
import { moduleDir } from '../../paths.js';
import { serve, type RunningService, type ServeOptions } from '../serve.js';
import { Store } from '../store.js';
import { addToken } from '../tokens.js';

export interface TestService {
  running: RunningService;
  dataDir: string;
  logs: string[];
  /** A new token for `student` (a TA's with `ta`). */
  token(student: string, ta?: boolean): string;
  /** The durable record, read as the service writes it. */
  store(): Store;
  close(): Promise<void>;
}

/** A whole `serve` (private Redis, fronts, workers) in a temporary data folder; close() ends all of it. */
export async function startTestService(options: Partial<ServeOptions> = {}): Promise<TestService> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kshram-service-test-')));
  const logs: string[] = [];
  const running = await serve({ dataDir, listen: '127.0.0.1', httpPort: 0, ncPort: 0, workers: 0, powBits: 12, version: 'test', log: (line) => logs.push(line), ...options });
  const stores: Store[] = [];
  return {
    running,
    dataDir,
    logs,
    token: (student, ta = false) => {
      const store = new Store(dataDir);
      try {
        return addToken(store, student, ta ? 'ta' : 'student');
      } finally {
        store.close();
      }
    },
    store: () => {
      const store = new Store(dataDir);
      stores.push(store);
      return store;
    },
    close: async () => {
      for (const store of stores) store.close();
      await running.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** kshram.c (the reference, or `source`) built into a kshram.ko as `kshram-lab build` does. */
export async function buildKo(options: { source?: string; kit?: string } = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'kshram-ko-build-'));
  try {
    const kit = await loadKit(options.kit ?? 'debian-6.1');
    const toolchain = await selectToolchain(kit);
    const src = join(dir, 'src');
    await mkdir(src);
    if (options.source) await writeFile(join(src, 'kshram.c'), options.source);
    else await copyFile(join(moduleDir, 'kshram.c'), join(src, 'kshram.c'));
    await copyFile(join(moduleDir, 'kshram.h'), join(src, 'kshram.h'));
    const result = await buildModule({ dir: src, name: 'kshram' }, { kit, toolchain, workDir: join(dir, 'build') });
    if (!result.ok || !result.koPath) throw new Error(`the test module did not build:\n${result.log}`);
    return await readFile(result.koPath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Until `check` holds (polled), or fail after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
