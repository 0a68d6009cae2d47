import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Uploaded files live in the data folder under their sha256: the same file twice is stored once. */
export const BLOBS_DIR = 'blobs';

export function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export class BlobStore {
  constructor(private readonly dataDir: string) {}

  private path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dataDir, BLOBS_DIR, sha256.slice(0, 2), sha256);
  }

  /** Writes the file (atomically: a temporary name, fsynced by writeFile's flush, renamed) unless it is there. */
  async put(data: Buffer): Promise<string> {
    const sha256 = sha256Of(data);
    const path = this.path(sha256);
    if ((await stat(path).catch(() => undefined))?.size === data.length) return sha256;
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.part`;
    try {
      await writeFile(temporary, data, { mode: 0o600, flush: true });
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
    return sha256;
  }

  get(sha256: string): Promise<Buffer> {
    return readFile(this.path(sha256));
  }
}
