import type { CrashInfo, CrashLocationInfo } from '../../../app/api';

interface Props {
  crash: CrashInfo;
  /** Opens the file at the crash's line in the editor. */
  onOpen(location: CrashLocationInfo): void;
}

/**
 * The kernel's report above the terminal: what happened, where in the
 * student's code (a link to the line), under which program, and plainly
 * when the workbench's own slot view was the one that ran into the bug.
 */
export function CrashBanner({ crash, onOpen }: Props) {
  const where = crash.location;
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
              <button className="link-button crash-link" data-testid="crash-link" onClick={() => onOpen(where)} title={`Open ${where.file} at line ${where.line}`}>
                {where.file}:{where.line}
              </button>{' '}
              in <code>{where.function}</code>
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
