import type { GradeReportJson, SourceSiteJson } from '../../../../app/service/contract';
import { Fragment } from 'react';

type Crash = NonNullable<GradeReportJson['crash']>;

const site = (s: Pick<SourceSiteJson, 'file' | 'line' | 'function'>): string => (s.file && s.line ? `${s.file}:${s.line} in ${s.function}` : s.function);

/**
 * The kernel report that ended the run, decoded: the line of the student's
 * code with the source around it when the module carried debug info (a
 * source upload always does), else the faulting function and offset.
 */
export function CrashCard({ crash, checklistTitle }: { crash: Crash; checklistTitle?: string }) {
  const own = crash.yourCode;
  const firstOwnFrame = crash.frames.find((f) => f.module === 'kshram') ?? crash.frames[0];
  return (
    <div className="crash-card" data-testid="crash" role="region" aria-label="kernel crash">
      <div className="crash-head">
        <strong>
          Your module crashed the kernel during item {crash.item}
          {checklistTitle ? ` (${checklistTitle})` : ''}
        </strong>
      </div>
      {own?.line ? (
        <div className="crash-line" data-testid="crash-line">
          <code>
            {own.file}:{own.line}
          </code>{' '}
          in <code>{own.function}</code>
          {own.source && <pre className="crash-source">{own.source.trim()}</pre>}
        </div>
      ) : (
        firstOwnFrame && (
          <div className="crash-line" data-testid="crash-line">
            at <code>{firstOwnFrame.symbol}</code>
            {firstOwnFrame.module ? ` [${firstOwnFrame.module}]` : ''} <span className="dim">— this kshram.ko has no debug info, so no source line; upload kshram.c to see the line</span>
          </div>
        )
      )}
      {crash.excerpt && (
        <pre className="crash-excerpt" aria-label={`${crash.excerpt.file} around line ${crash.excerpt.line}`}>
          {crash.excerpt.lines.map((text, i) => {
            const n = crash.excerpt!.firstLine + i;
            return (
              // the newline outside the line's span: inside the highlighted (inline-block) line it pushed the next line off to the right
              <Fragment key={n}>
                <span className={n === crash.excerpt!.line ? 'hit' : undefined}>
                  {String(n).padStart(4)} {text}
                </span>
                {'\n'}
              </Fragment>
            );
          })}
        </pre>
      )}
      <div className="crash-summary">{crash.summary}</div>
      <details>
        <summary>Call trace ({crash.frames.length} frames)</summary>
        <ol className="crash-frames">
          {crash.frames.map((f, i) => (
            <li key={i} className={f.own ? 'own' : undefined}>
              <code>{f.symbol}</code>
              {f.module ? <span className="dim"> [{f.module}]</span> : null}
              {f.line ? <span> — {site(f)}</span> : null}
              {f.inlinedFrom.map((inl, j) => (
                <div key={j} className="dim small">
                  inlined into {site(inl)}
                </div>
              ))}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
