import { LabError } from '../errors.js';
import { ACCEPTED_SUFFIXES, MAX_UPLOAD_BYTES, type SubmissionKind } from './contract.js';

/** File names as stored and handed to a worker: what a shell and a tar file name can hold safely. */
const MAX_FILE_NAME_CHARS = 128;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZIP_MAGIC = Buffer.from('PK', 'latin1');
/** "ustar" at offset 257 of a tar header. */
const USTAR_OFFSET = 257;

export interface Upload {
  /** Cleaned: a base name of letters, digits and . _ + -, ending in an accepted suffix. */
  fileName: string;
  kind: SubmissionKind;
}

const MIB = 1024 * 1024;

/** Refuses an empty or oversized upload, with its size and the limit. */
export function checkSize(label: string, bytes: number): void {
  if (bytes === 0) throw new LabError('SUBMISSION_INVALID', `${label} is empty.`, 'Upload your kshram.ko (or kshram.c, or an archive of your module folder).');
  if (bytes > MAX_UPLOAD_BYTES) throw tooLarge(label, bytes);
}

export function tooLarge(label: string, bytes?: number): LabError {
  return new LabError('TOO_LARGE', `${label} is ${bytes === undefined ? 'larger than' : `${(bytes / MIB).toFixed(1)} MiB, more than`} the ${MAX_UPLOAD_BYTES / MIB} MiB an upload may be.`, 'Upload kshram.ko, or only your module\'s sources (kshram.c, kshram.h, Makefile): no build products or large files.');
}

/** An HTTP upload's name, cleaned, and what it is by its suffix. */
export function classifyByName(original: string): Upload {
  const base = original.split(/[\\/]/).pop() ?? '';
  const fileName = base.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[.-]+/, '').slice(-MAX_FILE_NAME_CHARS);
  const lower = fileName.toLowerCase();
  const suffix = ACCEPTED_SUFFIXES.find((s) => lower.endsWith(s));
  if (!fileName || !suffix) {
    throw new LabError('SUBMISSION_INVALID', `${base || 'The upload'} is not a file the service grades.`, `Upload kshram.ko, kshram.c, or an archive of your module folder (${ACCEPTED_SUFFIXES.join(', ')}).`);
  }
  const kind: SubmissionKind = suffix === '.ko' ? 'ko' : suffix === '.c' ? 'c' : suffix === '.zip' ? 'zip' : 'tar';
  return { fileName, kind };
}

/** An nc upload has no name: what it is comes from its first bytes. */
export function classifyByContent(data: Buffer): Upload {
  if (data.subarray(0, 4).equals(ELF_MAGIC)) return { fileName: 'kshram.ko', kind: 'ko' };
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return { fileName: 'kshram.tar.gz', kind: 'tar' };
  if (data.subarray(0, 2).equals(ZIP_MAGIC)) return { fileName: 'kshram.zip', kind: 'zip' };
  if (data.subarray(USTAR_OFFSET, USTAR_OFFSET + 5).toString('latin1') === 'ustar') return { fileName: 'kshram.tar', kind: 'tar' };
  if (!data.includes(0)) return { fileName: 'kshram.c', kind: 'c' };
  throw new LabError('MODULE_INVALID', 'What was sent is neither a kernel module (ELF) nor sources (kshram.c, .tar.gz, .zip).', 'Send your kshram.ko as base64, e.g. with the course\'s submit script.');
}
