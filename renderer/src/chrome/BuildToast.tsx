import { useEffect, useRef, useState } from 'react';
import type { ApiError, BuildOutcome } from '../../../app/api';

interface Props {
  building: boolean;
  build?: BuildOutcome;
  error?: ApiError;
  onShowProblems(): void;
}

/** A passed build is news for a moment; a failed one stays until read or the next build. */
const OK_TOAST_MS = 4_000;
const FAILED_TOAST_MS = 12_000;

interface Shown {
  ok: boolean;
  text: string;
  detail?: string;
}

/**
 * Every build's end, shown over the editor and terminal whichever tab is
 * open: a build started with Ctrl+S from the terminal or by Boot is
 * otherwise only visible in the Problems tab.
 */
export function BuildToast({ building, build, error, onShowProblems }: Props) {
  const [shown, setShown] = useState<Shown>();
  // builds that ended before this page opened are old news (Boot's builds have no "building" phase, so time tells)
  const openedAt = useRef(Date.now());
  const last = useRef({ finishedAt: build?.finishedAt, error });
  const timer = useRef<number>(undefined);

  useEffect(() => {
    if (building) return setShown(undefined);
    const previous = last.current;
    last.current = { finishedAt: build?.finishedAt, error };
    let next: Shown | undefined;
    if (error && error !== previous.error) next = { ok: false, text: 'The build could not run', detail: error.message };
    else if (build && build.finishedAt !== previous.finishedAt && build.finishedAt >= openedAt.current) next = describe(build);
    if (!next) return;
    setShown(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setShown(undefined), next.ok ? OK_TOAST_MS : FAILED_TOAST_MS);
  }, [building, build, error]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  if (!shown) return null;
  return (
    <div className={`toast ${shown.ok ? 'ok' : 'failed'}`} role="status" data-testid="build-toast" data-ok={shown.ok}>
      <span className="toast-text">
        {shown.ok ? '✔' : '✘'} {shown.text}
        {shown.detail && <span className="toast-detail">{shown.detail}</span>}
      </span>
      {!shown.ok && (
        <button className="link-button" onClick={onShowProblems}>
          Show problems
        </button>
      )}
      <button className="icon-button" onClick={() => setShown(undefined)} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

function describe(build: BuildOutcome): Shown {
  const count = (severity: string): number => build.diagnostics.filter((d) => d.severity === severity).length;
  const [errors, warnings] = [count('error'), count('warning')];
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (build.ok) return { ok: true, text: `Built kshram.ko in ${(build.elapsedMs / 1000).toFixed(1)} s`, detail: warnings ? plural(warnings, 'warning') : undefined };
  const first = build.diagnostics.find((d) => d.severity === 'error');
  return { ok: false, text: `Build failed: ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`, detail: first ? `${first.file}:${first.line}: ${first.message}` : undefined };
}
