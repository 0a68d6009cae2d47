import { useRef, useState, type DragEvent } from 'react';
import type { ServiceError, ServiceInfo } from '../../../../app/service/contract';
import { ErrorNotice } from '../common/ErrorNotice';
import { bytes } from '../common/format';

interface Props {
  info: ServiceInfo;
  busy: boolean;
  error?: ServiceError;
  onDismissError(): void;
  onFile(file: File): void;
  /** Refusals found here, before anything is sent. */
  onRefused(error: ServiceError): void;
}

/** What the browser's picker offers (it matches on the last suffix; .tar.gz is checked below). */
/** The rate limit's window as a student reads it: "per hour", "per 2 hours", "per 15 min". */
function per(windowMs: number): string {
  const minutes = Math.round(windowMs / 60_000);
  if (minutes === 60) return 'per hour';
  if (minutes % 60 === 0) return `per ${minutes / 60} hours`;
  return `per ${minutes} min`;
}

const PICKER_ACCEPT = '.ko,.c,.gz,.tgz,.tar,.zip';

/** Refuses here what the service would refuse for its name or size, in the same words. */
export function refusalOf(file: File, info: ServiceInfo): ServiceError | undefined {
  const name = file.name.toLowerCase();
  if (!info.acceptedSuffixes.some((suffix) => name.endsWith(suffix))) {
    return {
      code: 'SUBMISSION_INVALID',
      message: `“${file.name}” is not something the grader can take.`,
      suggestion: `Upload your kshram.ko (built for Linux ${info.kernelRelease}), your kshram.c, or an archive holding kshram.c (${info.acceptedSuffixes.filter((s) => s !== '.ko' && s !== '.c').join(', ')}).`,
    };
  }
  if (file.size > info.maxUploadBytes) {
    return { code: 'TOO_LARGE', message: `“${file.name}” is ${bytes(file.size)}; the service takes at most ${bytes(info.maxUploadBytes)}.`, suggestion: 'Upload kshram.c alone, or an archive of just your module’s sources (no build products).' };
  }
  if (file.size === 0) return { code: 'SUBMISSION_INVALID', message: `“${file.name}” is empty.`, suggestion: 'Choose the file again: it may not have been saved.' };
  return undefined;
}

/**
 * Drop a file here or choose one: a kshram.ko, a kshram.c or an archive.
 * The button is the keyboard's way in; the whole zone takes drops.
 */
export function UploadZone({ info, busy, error, onDismissError, onFile, onRefused }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (files: FileList | null): void => {
    const file = files?.[0];
    if (!file || busy) return;
    if (files.length > 1) return onRefused({ code: 'SUBMISSION_INVALID', message: `${files.length} files were dropped; a submission is one file.`, suggestion: 'Drop kshram.c alone, or put your sources in one archive.' });
    const refusal = refusalOf(file, info);
    if (refusal) onRefused(refusal);
    else onFile(file);
  };
  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  };
  return (
    <section className="upload" aria-labelledby="upload-title">
      <div
        className={`drop-zone${over ? ' over' : ''}${busy ? ' busy' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <h2 id="upload-title">Submit</h2>
        <p>
          Drop your <code>kshram.ko</code>, <code>kshram.c</code> or an archive here, or{' '}
          <button className="primary" onClick={() => input.current?.click()} disabled={busy} data-testid="choose-file">
            {busy ? 'Uploading…' : 'Choose a file…'}
          </button>
        </p>
        <p className="dim small">
          Graded on {info.kit} (Linux {info.kernelRelease}); a <code>.ko</code> must be built for exactly that kernel. At most {bytes(info.maxUploadBytes)}, {info.rateLimit.submissions} submissions {per(info.rateLimit.windowMs)}.
        </p>
        <input
          ref={input}
          type="file"
          accept={PICKER_ACCEPT}
          hidden
          data-testid="file-input"
          onChange={(e) => {
            take(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {error && <ErrorNotice error={error} onDismiss={onDismissError} testId="upload-error" />}
    </section>
  );
}
