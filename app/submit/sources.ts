import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import type { LabSession } from '../session/session.js';

/** What Submit uploads: one file, named as the service wants it (.c, or an archive). */
export interface Upload {
  fileName: string;
  data: Buffer;
}

/**
 * The workspace's sources as one upload: kshram.c alone when the module
 * uses the seed's kshram.h, else a .tar.gz of kshram.c and kshram.h (the
 * service builds them as `grade` does; a Makefile is never used there).
 * Read through the session, so a file linked out of the workspace is
 * refused as the editor refuses it.
 */
export async function workspaceUpload(session: LabSession): Promise<Upload> {
  const source = await session.readFile('kshram.c');
  const header = await session.readFile('kshram.h');
  if (!header.exists) return { fileName: 'kshram.c', data: Buffer.from(source.content, 'utf8') };
  return { fileName: 'kshram.tar.gz', data: await tarGz({ 'kshram.c': source.content, 'kshram.h': header.content }) };
}

/** A gzipped tar of the given files (plain files in a private temporary folder, nothing else). */
async function tarGz(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'kshram-submit-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const chunks: Buffer[] = [];
    const stream = create({ gzip: true, portable: true, cwd: dir }, Object.keys(files));
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
