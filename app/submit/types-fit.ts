/**
 * The workbench's API declares what it reads of the course service's data
 * (app/api/contract.ts: ServiceSubmission, ServiceRunEvent, ...), since its
 * floor cannot import the service's types. This file, above both, fails to
 * compile when the service's data stops having that shape.
 */
import type { ServiceRunEvent, ServiceSubmission, ServiceSubmissionDetail } from '../api/contract.js';
import type { LiveEvent, SubmissionDetail, SubmissionView } from '../service/contract.js';

type Assignable<From, To> = [From] extends [To] ? true : false;

export const serviceTypesFitTheWorkbench: [Assignable<SubmissionView, ServiceSubmission>, Assignable<SubmissionDetail, ServiceSubmissionDetail>, Assignable<LiveEvent, ServiceRunEvent>] = [true, true, true];
