import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VARIANTS, variantSource } from './corpus/variants.js';
import { CHECKLIST } from '../app/grade/items/table.js';
import { moduleDir, projectRoot } from '../app/paths.js';
import type { SubmissionView } from '../app/service/contract.js';
import { ServiceApi, ServiceCallError } from '../app/service/http-client.js';
import { Store } from '../app/service/store.js';
import { addToken } from '../app/service/tokens.js';
import { submitOverNc } from '../app/service/testing/nc-client.js';
import { buildKo, eventually } from '../app/service/testing/service.js';
import { spawnOwned, type OwnedProcess } from './owned.js';

/**
 * A deadline night in small: `count` submissions from `students` students
 * (half through HTTP, half through the nc front with their token), all at
 * once, to a `kshram-lab serve` process with `workers` workers: the
 * reference (.ko and .c), broken modules of the corpus, and garbage the
 * service must refuse. Checks every result and measures the waits.
 */
export interface LoadOptions {
  count: number;
  students: number;
  workers: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface LoadOutcome {
  submitted: number;
  refused: number;
  graded: number;
  /** Submissions whose stored result is not the expected score, or that never got one. */
  wrong: string[];
  /** Per graded submission. */
  queueWaitMs: number[];
  gradeMs: number[];
  endToEndMs: number[];
  /** First submission to last result. */
  wallMs: number;
  /** The service process's resident memory, sampled each second. */
  rssSamples: number[];
  workers: number;
}

interface Input {
  name: string;
  fileName: string;
  data: Buffer;
  /** Expected score, or 'refused'. */
  expect: number | 'refused';
}

const RESULT_WAIT_MS = 6 * 3600 * 1000;
const SAMPLE_MS = 1_000;

const expectedTotal = (statuses: readonly string[]): number => CHECKLIST.reduce((sum, item, i) => sum + (statuses[i] === 'pass' ? item.max : 0), 0);

async function inputs(): Promise<Input[]> {
  const variant = (name: string) => VARIANTS.find((v) => v.name === name)!;
  const oops = variant('oops-in-init');
  const broken = variant('does-not-compile');
  const panic = variant('panic-in-ioctl');
  const [referenceKo, oopsKo] = await Promise.all([buildKo(), buildKo({ source: await variantSource(oops) })]);
  return [
    { name: 'reference .ko', fileName: 'kshram.ko', data: referenceKo, expect: 100 },
    { name: 'reference .c', fileName: 'kshram.c', data: await readFile(join(moduleDir, 'kshram.c')), expect: 100 },
    { name: 'oops-in-init .ko', fileName: 'kshram.ko', data: oopsKo, expect: expectedTotal(oops.statuses) },
    { name: 'does-not-compile .c', fileName: 'kshram.c', data: Buffer.from(await variantSource(broken)), expect: expectedTotal(broken.statuses) },
    { name: 'panic-in-ioctl .c', fileName: 'kshram.c', data: Buffer.from(await variantSource(panic)), expect: expectedTotal(panic.statuses) },
    { name: 'garbage .ko', fileName: 'kshram.ko', data: randomBytes(4096), expect: 'refused' },
  ];
}

/** The same input, made a file of its own (a student's every submission differs): a comment, or bytes after a .ko's end. */
function unique(input: Input, n: number): Buffer {
  const tag = `\n/* submission ${n} */\n`;
  return input.fileName.endsWith('.c') ? Buffer.concat([input.data, Buffer.from(tag)]) : input.fileName.endsWith('.ko') && input.expect !== 'refused' ? Buffer.concat([input.data, Buffer.from(tag)]) : randomBytes(input.data.length);
}

function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadOutcome> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'kshram-load-'));
  let served: OwnedProcess | undefined;
  try {
    const files = await inputs();
    const store = new Store(dataDir);
    const tokens = Array.from({ length: options.students }, (_, i) => addToken(store, `student${String(i).padStart(2, '0')}`, 'student'));
    const taToken = addToken(store, 'ta', 'ta');
    store.close();
    // owned (test/owned.ts): ended with its group by the test, or in the finally below
    served = spawnOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), 'serve', '--data', dataDir, '--http-port', '0', '--nc-port', '0', '--workers', String(options.workers), '--pow-bits', '8'], {
      // every student here comes from 127.0.0.1: the per-address cap would be the whole class's
      env: { ...process.env, KSHRAM_LAB_RATE_LIMIT: `${options.count}/3600`, KSHRAM_LAB_NC_PER_ADDRESS: String(options.count) },
    });
    const serve = served.child;
    let banner = '';
    const [url, ncPort] = await new Promise<[string, number]>((resolve, reject) => {
      serve.stdout!.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        const http = /service: .*?(http:\/\/\S+)/.exec(banner)?.[1];
        const nc = /nc front: nc \S+ (\d+)/.exec(banner)?.[1];
        if (http && nc) resolve([http.replace(/\x1b\[[0-9;]*m/g, ''), Number(nc)]);
      });
      serve.once('exit', (code) => reject(new Error(`serve exited (${code}) before it was ready:\n${banner}`)));
    });
    const pid = serve.pid!;
    const rssSamples: number[] = [];
    const sampler = setInterval(() => {
      const rss = rssOf(pid);
      if (rss) rssSamples.push(rss);
    }, SAMPLE_MS);

    // every student sends count/students submissions, back to back, all students at once
    const expected = new Map<string, number>();
    let refused = 0;
    /** Garbage that was not refused, and submissions that were not queued: which front, and what it answered. */
    const lost: string[] = [];
    const started = Date.now();
    const perStudent = Math.ceil(options.count / options.students);
    let n = 0;
    const student = async (index: number): Promise<void> => {
      const viaNc = index % 2 === 1;
      const api = new ServiceApi(url, tokens[index]);
      const pending: Array<Promise<void>> = [];
      for (let k = 0; k < perStudent && n < options.count; k++) {
        const number = n++;
        const input = files[number % files.length]!;
        const data = unique(input, number);
        if (viaNc) {
          // each nc submission holds its connection until its result streams back, as a student's does
          pending.push(
            submitOverNc(ncPort, data, { timeoutMs: RESULT_WAIT_MS, token: tokens[index] }).then((run) => {
              const id = /Submission ([a-z0-9]{16}) is queued/.exec(run.transcript)?.[1];
              if (input.expect === 'refused') {
                if (/Refused: /.test(run.transcript)) refused++;
                else lost.push(`nc submission ${number} (${input.name}) was not refused; the server sent:\n${run.transcript.slice(-1500)}`);
              } else if (id) expected.set(id, input.expect);
              else lost.push(`nc submission ${number} (${input.name}) was not queued; the server sent:\n${run.transcript.slice(-1500)}`);
            }),
          );
          // the script's pace: one upload after another's md5 line, not all in one instant
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          try {
            const { submission } = await api.submit(new Blob([data]), input.fileName);
            if (input.expect === 'refused') lost.push(`HTTP submission ${number} (${input.name}) was accepted as ${submission.id}: ${JSON.stringify(submission)}`);
            else expected.set(submission.id, input.expect);
          } catch (err) {
            if (input.expect === 'refused' && err instanceof ServiceCallError) refused++;
            else throw err;
          }
        }
      }
      await Promise.all(pending);
    };
    const submitting = Promise.all(Array.from({ length: options.students }, (_, i) => student(i)));
    // results: read back through the TA's API once everything is in
    const ta = new ServiceApi(url, taToken);
    let views: SubmissionView[] = [];
    await eventually(
      'every result',
      async () => {
        views = (await Promise.all(Array.from({ length: options.students }, (_, i) => ta.history(`student${String(i).padStart(2, '0')}`)))).flat();
        const done = views.filter((view) => view.state === 'graded' || view.state === 'error').length;
        log(`${done}/${expected.size} graded, ${refused} refused`);
        return n >= options.count && done >= expected.size && expected.size > 0 ? true : undefined;
      },
      RESULT_WAIT_MS,
      10_000,
    );
    await submitting;
    clearInterval(sampler);
    const wrong = [...lost];
    for (const [id, total] of expected) {
      const view = views.find((v) => v.id === id);
      if (!view || view.state !== 'graded' || view.total !== total) wrong.push(`${id}: expected ${total}, got ${view ? `${view.state} ${view.total ?? view.error?.message}` : 'nothing'}`);
    }
    const graded = views.filter((view) => view.state === 'graded');
    const finished = graded.map((view) => view.finishedAt!);
    return {
      submitted: n,
      refused,
      graded: graded.length,
      wrong,
      queueWaitMs: graded.map((view) => view.startedAt! - view.submittedAt),
      gradeMs: graded.map((view) => view.finishedAt! - view.startedAt!),
      endToEndMs: graded.map((view) => view.finishedAt! - view.submittedAt),
      wallMs: Math.max(...finished) - started,
      rssSamples,
      workers: options.workers,
    };
  } finally {
    await served?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** "p50 1.2 s" from milliseconds. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
