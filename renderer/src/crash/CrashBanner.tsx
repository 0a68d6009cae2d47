import type { CrashInfo, CrashLocationInfo } from '../../../app/api';
import { crashSites } from './crashes';

interface Props {
  crash: CrashInfo;
  /** Opens the file at one of the crash's lines in the editor. */
  onOpen(location: Pick<CrashLocationInfo, 'file' | 'line'>): void;
}

/**
 * The kernel's report above the terminal: what happened, where in the
 * student's code (a link to the line, and to each call an inlined helper
 * crashed in), under which program, and plainly when the workbench's own
 * slot view was the one that ran into the bug.
 */
export function CrashBanner({ crash, onOpen }: Props) {
  const where = crash.location;
  const sites = where ? crashSites(where) : [];
  return (
    <div className="crash" data-testid="crash-banner">
      <div className="crash-title">⚠ {crash.summary}</div>
      {crash.slotView && (
        <div className="crash-slot-view" data-testid="crash-slot-view">
          {crash.slotView}
        </div>
      )}
      {(where || crash.task) && (
        <div className="crash-where">
          {where && (
            <>
              your code:{' '}
              {sites.map((site, i) => (
                <span key={`${site.file}:${site.line}`}>
                  {i > 0 && ', inlined into '}
                  {i > 0 && (
                    <>
                      <code>{site.function}</code> at{' '}
                    </>
                  )}
                  <button className="link-button crash-link" data-testid={i === 0 ? 'crash-link' : 'crash-link-inlined'} onClick={() => onOpen(site)} title={`Open ${site.file} at line ${site.line}`}>
                    {site.file}:{site.line}
                  </button>
                  {i === 0 && (
                    <>
                      {' '}
                      in <code>{site.function}</code>
                    </>
                  )}
                </span>
              ))}
              {where.source && (
                <>
                  {' '}
                  <code className="crash-source">{where.source}</code>
                </>
              )}
            </>
          )}
          {crash.task && !crash.slotView && (
            <span className="crash-task" data-testid="crash-task">
              {where ? ' — ' : ''}while <code>{crash.task}</code> was running
            </span>
          )}
        </div>
      )}
      <details>
        <summary>kernel report</summary>
        <pre>{crash.report}</pre>
      </details>
    </div>
  );
}
