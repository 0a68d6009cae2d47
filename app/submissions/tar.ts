import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { invalid, type Collector } from './collect.js';
import { checkEntryPath, linkInside } from './entry-path.js';

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Reads a tar archive (gzip'd or not) entry by entry without extracting
 * it: names are checked before anything is kept, links that leave the
 * archive reject it, and only module sources are kept, in memory.
 */
export function readTar(file: string, label: string, collector: Collector): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const input = createReadStream(file);
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      input.destroy();
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
          parser.abort(err as Error);
        }
      },
    });
    parser.on('error', fail);
    parser.on('end', () => void Promise.all(pending).then(() => !failed && resolve()));
    input.on('error', fail);
    input.pipe(parser);
  });
}

/** Checks one entry; returns the path to keep its content under, or undefined to skip it. */
function inspect(entry: ReadEntry, label: string, collector: Collector): string | undefined {
  const checked = checkEntryPath(entry.path);
  if (!checked.ok) throw invalid(label, `the entry "${entry.path}" ${checked.reason}; nothing was unpacked`, 'Archive the module folder with relative paths, e.g. tar czf alice.tar.gz kshram.c kshram.h Makefile.');
  const path = checked.path;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? '';
    const inside = entry.type === 'Link' ? checkEntryPath(target).ok : linkInside(path, target) !== undefined;
    if (!inside) throw invalid(label, `the entry "${path}" is a link to ${target}, outside the submission`, 'Submit real files, not links.');
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
