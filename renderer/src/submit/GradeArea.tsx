import type { ChecklistEntry, GradeProgress } from '../../../app/api';
import './submit.css';
import { GradePane } from '../../shared/grade/GradePane';
import { ServiceGrade } from './ServiceGrade';
import type { ServiceRun } from './useServiceRun';

export type GradeSource = 'local' | 'service';

interface Props {
  checklist: ChecklistEntry[];
  timeLimitMs: number;
  /** The workbench's own grade. */
  grade?: GradeProgress;
  stale?: boolean;
  service: ServiceRun;
  source: GradeSource;
  onSource(source: GradeSource): void;
  onSubmitSettings(): void;
  /** Makes `kshram.c:189` in the workbench's own grade's evidence a link to the line. */
  onOpenSource?(file: string, line: number): void;
}

/** The Grade pane: the workbench's own grade, or the course service's run of the last Submit; a switch between them. */
export function GradeArea({ checklist, timeLimitMs, grade, stale, service, source, onSource, onSubmitSettings, onOpenSource }: Props) {
  const switcher = (
    <div className="grade-switch" role="tablist" aria-label="whose grade">
      <button role="tab" aria-selected={source === 'local'} className={source === 'local' ? 'on' : undefined} onClick={() => onSource('local')} data-testid="grade-source-local">
        here
      </button>
      <button role="tab" aria-selected={source === 'service'} className={source === 'service' ? 'on' : undefined} onClick={() => onSource('service')} data-testid="grade-source-service">
        course service
      </button>
    </div>
  );
  if (source === 'service') return <ServiceGrade checklist={checklist} timeLimitMs={timeLimitMs} service={service} switcher={switcher} onSettings={onSubmitSettings} />;
  return <GradePane checklist={checklist} timeLimitMs={timeLimitMs} grade={grade} stale={stale} badge={switcher} onOpenSource={onOpenSource} />;
}
