import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { invalid, type Collector } from './collect.js';
import { checkEntryPath, linkInside, quotedName } from './entry-path.js';
import { MAX_LINK_BYTES } from './limits.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** Made by a Unix host: the upper 16 bits of the external attributes hold st_mode. */
const UNIX_HOST = 3;

/**
 * Reads a zip archive entry by entry without extracting it: names are
 * checked first (yauzl refuses absolute and ".." names, which we report
 * as path traversal), declared sizes are enforced before inflating, and
 * only module sources are kept, in memory.
 */
export function readZip(file: string, label: string, collector: Collector): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return reject(invalid(label, `is not a readable zip archive (${err?.message ?? 'unknown error'})`));
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(error instanceof Error && error.name === 'LabError' ? error : zipError(label, error as Error));
      };
      zip.on('error', fail);
      zip.on('end', () => !failed && resolve());
      zip.on('entry', (entry: Entry) => {
        void onEntry(zip, entry, label, collector).then(() => !failed && zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  });
}

async function onEntry(zip: ZipFile, entry: Entry, label: string, collector: Collector): Promise<void> {
  const checked = checkEntryPath(entry.fileName);
  if (!checked.ok) throw traversal(label, entry.fileName, checked.reason, checked.suggestion);
  const path = checked.path;
  if (entry.fileName.endsWith('/')) return;
  const mode = entry.versionMadeBy >> 8 === UNIX_HOST ? (entry.externalFileAttributes >>> 16) & S_IFMT : S_IFREG;
  if (mode === S_IFLNK) {
    if (entry.uncompressedSize > MAX_LINK_BYTES) throw invalid(label, `the link "${path}" has an implausible target`);
    const target = (await read(zip, entry)).toString('utf8');
    if (linkInside(path, target) === undefined) throw invalid(label, `the entry "${quotedName(path)}" is a link to ${quotedName(target)}, outside the submission`, 'Submit real files, not links.');
    collector.notes.push(`${path} is a link; links are not followed`);
    return;
  }
  if (mode === S_IFDIR) return;
  if (mode !== S_IFREG && mode !== 0) {
    collector.notes.push(`${path} is not a regular file; skipped`);
    return;
  }
  if (!collector.admit(path, entry.uncompressedSize)) return;
  if (entry.isEncrypted()) throw invalid(label, `${path} is encrypted`, 'Submit an archive without a password.');
  collector.add(path, await read(zip, entry));
}

function read(zip: ZipFile, entry: Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

function traversal(label: string, name: string, reason: string, suggestion = 'Zip the module folder with relative paths.'): Error {
  return invalid(label, `the entry "${quotedName(name)}" ${reason}; nothing was unpacked`, suggestion);
}

/** yauzl's own refusals, in our words. */
function zipError(label: string, err: Error): Error {
  const name = /(?:absolute path|invalid relative path): (.*)$/.exec(err.message);
  if (name) return traversal(label, name[1]!, /absolute/.test(err.message) ? 'has an absolute path (path traversal)' : 'climbs out of the archive with ".." (path traversal)');
  return invalid(label, `is a damaged zip archive (${err.message})`);
}
