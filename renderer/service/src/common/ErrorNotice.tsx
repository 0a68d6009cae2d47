import type { ServiceError } from '../../../../app/service/contract';
import { headline } from './words';

/** A refusal or failure: a headline in plain words, the service's message, what to do next. */
export function ErrorNotice({ error, onDismiss, testId = 'error' }: { error: ServiceError; onDismiss?(): void; testId?: string }) {
  const title = headline(error.code);
  return (
    <div className="notice error" role="alert" data-testid={testId} data-code={error.code}>
      <div className="notice-text">
        {title && <strong className="notice-title">{title}</strong>}
        <div>{error.message}</div>
        {error.suggestion && <div className="suggestion">{error.suggestion}</div>}
      </div>
      {onDismiss && (
        <button className="icon-button" onClick={onDismiss} aria-label="dismiss">
          ✕
        </button>
      )}
    </div>
  );
}
