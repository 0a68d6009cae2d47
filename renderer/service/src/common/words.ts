import type { ServiceError } from '../../../../app/service/contract';

type Code = ServiceError['code'];

/**
 * A headline per refusal, above the service's own message and suggestion:
 * what happened, in a student's words. Codes without one show the message
 * alone.
 */
const HEADLINES: Partial<Record<Code, string>> = {
  UNAUTHORIZED: 'This token is not one the course service knows',
  FORBIDDEN: 'Your token may not do this',
  NOT_FOUND: 'There is no such submission',
  RATE_LIMITED: 'Too many submissions in a short time',
  TOO_LARGE: 'The file is too large',
  MODULE_INVALID: 'This file is not a kernel module',
  MODULE_WRONG_KERNEL: 'This kshram.ko was built for another kernel',
  SUBMISSION_INVALID: 'The service cannot grade this file',
  BAD_ARGUMENT: 'The service did not accept this',
  QUEUE_UNAVAILABLE: 'The course service cannot grade right now',
  WORKER_LOST: 'Grading this submission kept failing',
  DISCONNECTED: 'The course service cannot be reached',
  INTERNAL: 'Something went wrong in the course service',
};

export const headline = (code: Code): string | undefined => HEADLINES[code];
