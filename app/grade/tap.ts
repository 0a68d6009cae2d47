/**
 * The Test Anything Protocol, as far as a check program speaks it: test
 * lines ("ok 3 - ...", "not ok 4 - ... # TODO ..."), a plan ("1..12",
 * before or after the tests), "Bail out!". Any other line is commentary,
 * as TAP says: a summary such as "0 failed" is never a verdict.
 */

export interface TapTest {
  ok: boolean;
  number?: number;
  description: string;
  /** "# SKIP" and "# TODO" tests do not fail a stream. */
  directive?: 'skip' | 'todo';
  line: string;
}

export interface TapStream {
  tests: TapTest[];
  planned?: number;
  /** "Bail out! reason": the program gave up. */
  bailOut?: string;
}

const TEST_LINE = /^(not )?ok\b(?:\s+(\d+))?\s*(?:-\s*)?(.*)$/;
const PLAN_LINE = /^1\.\.(\d+)\b/;
const DIRECTIVE = /\s#\s*(SKIP|TODO)\b/i;

/** The TAP in a program's output, or undefined when it has neither a test line nor a plan. */
export function parseTap(output: string): TapStream | undefined {
  const stream: TapStream = { tests: [] };
  let seen = false;
  for (const line of output.replace(/\r/g, '').split('\n').map((l) => l.trimEnd())) {
    const test = TEST_LINE.exec(line);
    if (test) {
      seen = true;
      const directive = DIRECTIVE.exec(line)?.[1]?.toLowerCase() as TapTest['directive'];
      stream.tests.push({ ok: !test[1], ...(test[2] ? { number: Number(test[2]) } : {}), description: test[3]!.replace(DIRECTIVE, '').replace(/\s#.*$/, '').trim(), ...(directive ? { directive } : {}), line });
      continue;
    }
    const plan = PLAN_LINE.exec(line);
    if (plan && stream.planned === undefined) {
      seen = true;
      stream.planned = Number(plan[1]);
      continue;
    }
    if (line.startsWith('Bail out!') && stream.bailOut === undefined) {
      seen = true;
      stream.bailOut = line.slice('Bail out!'.length).trim();
    }
  }
  return seen ? stream : undefined;
}

/** Tests that failed for real: "not ok" without a TODO directive. */
export function failedTests(stream: TapStream): TapTest[] {
  return stream.tests.filter((test) => !test.ok && test.directive !== 'todo');
}

/**
 * A stream passes when no test failed, nothing bailed out and, if a plan
 * was printed, as many tests ran as it announced. Returns why it did not.
 */
export function tapFailure(stream: TapStream): string | undefined {
  if (stream.bailOut !== undefined) return `Bail out! ${stream.bailOut}`.trim();
  const failed = failedTests(stream);
  if (failed.length) return `${failed.length} of ${stream.tests.length} tests failed, first: ${failed[0]!.line}`;
  if (stream.planned !== undefined && stream.planned !== stream.tests.length) return `planned ${stream.planned} tests but ran ${stream.tests.length}`;
  if (stream.planned === undefined && !stream.tests.length) return 'no tests ran';
  return undefined;
}
