import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { invalid, type Collector } from './collect.js';
import { checkEntryPath, linkInside, quotedName } from './entry-path.js';
import { MAX_TAR_STREAM_BYTES, MAX_UNPACK_MS } from './limits.js';
import { TarGuard, TarStreamLimit } from './tar-stream.js';

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Reads a tar archive (gzip'd or not) entry by entry without extracting
 * it: names are checked before anything is kept, links that leave the
 * archive reject it, and only module sources are kept, in memory.
 */
export async function readTar(file: string, label: string, collector: Collector): Promise<void> {
  const gzipped = await startsWithGzipMagic(file);
  return new Promise((resolve, reject) => {
    let failed = false;
    const input = createReadStream(file);
    // every decompressed byte passes the guard: counted, and cut at the end marker (tar-stream.ts)
    const guard = new TarGuard(MAX_TAR_STREAM_BYTES);
    const streams: Readable[] = [input, guard];
    const timer = setTimeout(() => fail(invalid(label, `took more than ${MAX_UNPACK_MS / 1000} s to unpack; nothing was kept`, 'Submit the module sources only, in an ordinary .tar.gz or .zip.')), MAX_UNPACK_MS);
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      for (const stream of streams) stream.destroy();
      parser.abort(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof TarStreamLimit) return reject(invalid(label, `unpacks to more than ${Math.round(err.bytes / 1024 / 1024)} MiB (zero padding counts too)`, 'Submit the module sources only.'));
      reject(err instanceof Error && err.name === 'LabError' ? err : invalid(label, `is not a readable tar archive (${(err as Error).message})`));
    };
    const pending: Promise<void>[] = [];
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        try {
          const keep = inspect(entry, label, collector);
          if (!keep) {
            entry.resume();
            return;
          }
          const chunks: Buffer[] = [];
          pending.push(
            new Promise((done) => {
              entry.on('data', (chunk: Buffer) => chunks.push(chunk));
              entry.on('end', () => {
                try {
                  collector.add(keep, Buffer.concat(chunks));
                } catch (err) {
                  fail(err);
                }
                done();
              });
            }),
          );
        } catch (err) {
          entry.resume();
          fail(err);
        }
      },
    });
    parser.on('error', fail);
    // the parser is done at the end marker, but the rest of the file still counts against the limit
    const parsed = new Promise<void>((done) => parser.on('end', done));
    const drained = new Promise<void>((done) => guard.on('finish', done));
    void Promise.all([parsed, drained]).then(async () => {
      await Promise.all(pending);
      clearTimeout(timer);
      if (!failed) resolve();
    });
    for (const stream of streams) stream.on('error', fail);
    if (gzipped) {
      const gunzip = createGunzip();
      streams.push(gunzip);
      gunzip.on('error', fail);
      input.pipe(gunzip).pipe(guard).pipe(parser);
    } else {
      input.pipe(guard).pipe(parser);
    }
  });
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Checks one entry; returns the path to keep its content under, or undefined to skip it. */
function inspect(entry: ReadEntry, label: string, collector: Collector): string | undefined {
  const checked = checkEntryPath(entry.path);
  if (!checked.ok) throw invalid(label, `the entry "${quotedName(entry.path)}" ${checked.reason}; nothing was unpacked`, checked.suggestion ?? 'Archive the module folder with relative paths, e.g. tar czf alice.tar.gz kshram.c kshram.h Makefile.');
  const path = checked.path;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? '';
    const inside = entry.type === 'Link' ? checkEntryPath(target).ok : linkInside(path, target) !== undefined;
    if (!inside) throw invalid(label, `the entry "${quotedName(path)}" is a link to ${quotedName(target)}, outside the submission`, 'Submit real files, not links.');
    collector.notes.push(`${path} is a link; links are not followed`);
    return undefined;
  }
  if (entry.type === 'Directory') return undefined;
  if (!FILE_TYPES.has(entry.type)) {
    collector.notes.push(`${path} is a ${entry.type} entry; skipped`);
    return undefined;
  }
  return collector.admit(path, entry.size ?? 0) ? path : undefined;
}
