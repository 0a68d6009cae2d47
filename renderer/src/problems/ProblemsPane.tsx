import type { ApiDiagnostic, ApiError, BuildOutcome, CheckedFindingInfo } from '../../../app/api';
import { crashSites, type ShownCrash } from '../crash/crashes';

interface Props {
  building: boolean;
  build?: BuildOutcome;
  error?: ApiError;
  /** Kernel crashes (the boot's, the grade's), listed first at each line they lead to, labelled with where they came from. */
  crashes: readonly ShownCrash[];
  /** A checked boot's or grade's checker reports: warnings at their lines, no points lost. */
  findings: readonly CheckedFindingInfo[];
  /** Files that have tabs: their problems are links. */
  openable: readonly string[];
  onReveal(d: ApiDiagnostic): void;
}

/** A list entry that opens its line: by click, or by Enter or Space once it has the focus (Tab reaches it). */
function opener(open: (() => void) | undefined): { onClick?: () => void; onKeyDown?: (e: { key: string; preventDefault(): void }) => void; tabIndex?: number; role?: string } {
  if (!open) return {};
  return {
    onClick: open,
    onKeyDown: (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      open();
    },
    tabIndex: 0,
    role: 'button',
  };
}

const ICON: Record<ApiDiagnostic['severity'], string> = { error: '✘', warning: '⚠', note: 'ℹ', info: 'ℹ' };

export function ProblemsPane({ building, build, error, crashes, findings, openable, onReveal }: Props) {
  const errors = build?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
  const warnings = build?.diagnostics.filter((d) => d.severity === 'warning').length ?? 0;
  let summary;
  if (building) summary = <span className="dim">Building…</span>;
  else if (error) summary = <span className="error-text">Build could not run: {error.message}{error.suggestion ? ` — ${error.suggestion}` : ''}</span>;
  else if (!build) summary = <span className="dim">Not built yet. Build (or save) to see gcc's errors and warnings here and in the editor.</span>;
  else if (build.ok)
    summary = (
      <span className="ok-text" data-testid="build-status" data-ok="true">
        Build succeeded in {(build.elapsedMs / 1000).toFixed(1)} s ({build.kit}){warnings ? `, ${warnings} warning(s)` : ', no warnings'}
      </span>
    );
  else
    summary = (
      <span className="error-text" data-testid="build-status" data-ok="false">
        Build failed: {errors} error(s), {warnings} warning(s)
      </span>
    );
  return (
    <div className="problems">
      <div className="problems-summary">{summary}</div>
      <ul>
        {crashes.flatMap(({ crash, label, origin }) =>
          (crash.location ? crashSites(crash.location) : []).map((site, i) => (
            <li key={`${origin}-${site.file}:${site.line}`} className="problem error link" data-testid="problem-crash" data-origin={origin} {...opener(() => onReveal({ file: site.file, line: site.line, column: 1, severity: 'error', message: crash.summary }))} title="Show in the editor">
              <span className="problem-icon error">{ICON.error}</span>
              <span className="problem-message">
                <span className="problem-origin">{label}:</span> {i === 0 ? crash.summary : `${site.inlined} crashed inlined into ${site.function} here`}
                {i === 0 && crash.task ? ` (while ${crash.task} was running)` : ''}
              </span>
              <span className="problem-where dim">
                {site.file}:{site.line}
              </span>
            </li>
          )),
        )}
        {findings.map((f, i) => {
          const at = f.location;
          const message = `${f.label}: ${f.title}${f.explanation ? ` — ${f.explanation}` : ''} (checked run: a note, no points lost)`;
          return (
            <li key={`checked-${i}`} className={`problem warning${at ? ' link' : ''}`} data-testid="problem-checked" data-kind={f.kind} {...opener(at && (() => onReveal({ file: at.file, line: at.line, column: 1, severity: 'warning', message })))} title={at ? 'Show in the editor' : undefined}>
              <span className="problem-icon warning">{ICON.warning}</span>
              <span className="problem-message">{message}</span>
              <span className="problem-where dim">{at ? `${at.file}:${at.line}` : 'not in your code'}</span>
            </li>
          );
        })}
        {build?.diagnostics.map((d, i) => {
          const link = openable.includes(d.file);
          return (
            <li key={i} className={`problem ${d.severity}${link ? ' link' : ''}`} data-testid="problem" {...opener(link ? () => onReveal(d) : undefined)} title={link ? 'Show in the editor' : undefined}>
              <span className={`problem-icon ${d.severity}`}>{ICON[d.severity]}</span>
              <span className="problem-message">{d.message}</span>
              <span className="problem-where dim">
                {d.file}:{d.line}:{d.column}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
