/**
 * The service stores and serves `grade --json`'s object; the pages read it
 * through contract.ts's GradeReportJson, which cannot import the engine's
 * types (they pull in Node). This fails to compile when the engine's report
 * stops having the shape the pages read.
 */
import type { GradeReport } from '../grade/runner.js';
import type { GradeReportJson } from './contract.js';

type Assignable<From, To> = [From] extends [To] ? true : false;

/** True at compile time only while every GradeReport is a GradeReportJson. */
export const gradeReportMatchesContract: Assignable<GradeReport, GradeReportJson> = true;
