import { useCallback, useEffect, useState } from 'react';
import { SUBMISSION_ID, submissionPagePath } from '../../../../app/service/contract';

/** The submission a /s/ID address names, if it is one. */
export function submissionInPath(pathname: string): string | undefined {
  const match = /^\/s\/([^/]+)\/?$/.exec(pathname);
  return match && SUBMISSION_ID.test(match[1]!) ? match[1] : undefined;
}

/**
 * The student page's one piece of routing: / or /s/ID (a submission's
 * permanent link), kept in the address bar and followed on Back/Forward.
 */
export function useSubmissionRoute(): [string | undefined, (id: string | undefined) => void] {
  const [id, setId] = useState(() => submissionInPath(window.location.pathname));
  useEffect(() => {
    const onPop = (): void => setId(submissionInPath(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((next: string | undefined) => {
    const path = next ? submissionPagePath(next) : '/';
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
    setId(next);
  }, []);
  return [id, go];
}

/** A submission's permanent link, absolute (to copy and paste). */
export const permanentLink = (id: string): string => new URL(submissionPagePath(id), window.location.origin).href;
