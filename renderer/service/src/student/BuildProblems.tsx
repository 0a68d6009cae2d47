import type { GradeReportJson } from '../../../../app/service/contract';

/** A source upload that did not compile: gcc's errors, as the workbench's Problems list shows them. */
export function BuildProblems({ build }: { build: GradeReportJson['build'] }) {
  const shown = build.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  if (build.ok && !shown.length) return null;
  return (
    <div className={`build-problems${build.ok ? '' : ' failed'}`} data-testid="build-problems">
      <strong>{build.ok ? 'It compiled, with warnings' : 'Your code did not compile'}</strong>
      <ul>
        {shown.map((d, i) => (
          <li key={i}>
            <code className={`sev ${d.severity}`}>
              {d.file}:{d.line}:{d.column}
            </code>{' '}
            {d.severity}: {d.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
