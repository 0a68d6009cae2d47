import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeToolchain } from '../build/toolchain.js';
import { DEFAULT_KIT, loadKit } from '../kit/kit.js';
import { projectRoot } from '../paths.js';
import { writeDwarfProbe } from '../../test/corpus/dwarf-probe.js';
import { spawnOwned } from '../../test/owned.js';
import type { ApiEvent, VmStatus } from '../api/contract.js';
import { LabSession } from '../session/session.js';
import { until } from '../../test/until.js';
import type { BatchResult } from './batch.js';
import { VARIANTS, variantSource, writeVariant } from '../../test/corpus/variants.js';
import type { GradeReport } from './runner.js';

/**
 * The hostile student's probes of issue 18, graded for real (build, QEMU,
 * the CLI a TA runs): a line table naming a host file, the grader's
 * environment or /dev/stdin; printk text and a folder name full of
 * terminal escapes. The canary's content is in no output (stdout, --json,
 * results.json, results.csv, report.html), no raw escape reaches any of
 * them, a grade with stdin held open ends by itself, and a crash on a
 * line of the student's is still placed there.
 */
const CANARY = 'kshram-canary-5b1d83e0-do-not-print';
/** What a terminal acts on: C0 controls but tab and newline, DEL, C1. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/** Kills a CLI that does not end by itself: far past the course's 120 s and a build. */
const CLI_KILL_MS = 240_000;
/** A folder name chosen to set the TA's window title. */
const ESCAPED_FOLDER = 'esc\x1b]0;X\x07name';
/** printk text that sets the window title, writes the clipboard, and sends DCS, APC, PM, SOS and an 8-bit CSI. */
const ESCAPES_PRINTK = String.raw`\x1b]0;TITLE\x07 \x1b]52;c;Y2FuYXJ5\x07 \x1bP1$r\x1b\\ \x1b_APC\x1b\\ \x1b^PM\x1b\\ \x1bXSOS\x1b\\ \xc2\x9b" "2J`;

let work: string;
let secret: string;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** It had to be killed: it did not end by itself. */
  killed: boolean;
}

/** The CLI as a TA runs it (owned by the test: test/owned.ts); `stdin: 'held-open'` is `(sleep forever) | kshram-lab grade ...`. */
async function cli(args: readonly string[], stdin: 'ignore' | 'held-open' = 'ignore'): Promise<CliRun> {
  const run = spawnOwned(process.execPath, [join(projectRoot, 'bin', 'kshram-lab.js'), ...args], {
    cwd: work,
    env: { ...process.env, NO_COLOR: '1', KSHRAM_TEST_CANARY: CANARY },
    stdin: stdin === 'ignore' ? 'ignore' : 'pipe',
    stopSignal: 'SIGKILL',
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    void run.stop();
  }, CLI_KILL_MS);
  await run.closed;
  clearTimeout(timer);
  run.child.stdin?.destroy();
  return { code: run.child.exitCode, stdout: run.stdout(), stderr: run.stderr(), killed };
}

/** Neither the canary nor a raw control character is in `text` (an output of the CLI or a report file). */
function expectClean(text: string, what: string): void {
  expect(text.includes(CANARY), `${what} holds the canary`).toBe(false);
  const raw = RAW_CONTROL.exec(text);
  expect(raw ? `${what} holds ${JSON.stringify(raw[0])} at ${raw.index}: ${JSON.stringify(text.slice(Math.max(0, raw.index - 40), raw.index + 40))}` : '').toBe('');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kshram-untrusted-'));
  await mkdir(join(work, 'private'));
  secret = join(work, 'private', 'secret.txt');
  await writeFile(secret, `line one ${CANARY}\nline two ${CANARY}\nline three ${CANARY}\n`);
  await chmod(secret, 0o600);
  const kit = await loadKit(DEFAULT_KIT);
  const toolchain = new NativeToolchain();
  await writeDwarfProbe(join(work, 'secret'), { target: secret, line: 2, kind: 'bug' }, kit, toolchain);
  await writeDwarfProbe(join(work, 'environ'), { target: '/proc/self/environ', line: 1, kind: 'warn' }, kit, toolchain);
  await writeDwarfProbe(join(work, 'stdin'), { target: '/dev/stdin', line: 1, kind: 'bug' }, kit, toolchain);
  await writeVariant(VARIANTS.find((v) => v.name === 'oops-in-init')!, join(work, 'oops'));
  const escapes = { name: 'escapes', description: '', statuses: [], evidence: /x/, edits: [['\tret = kshram_alloc_slots();\n', `\tpr_warn("kshram: ${ESCAPES_PRINTK} end\\n");\n\treturn -EINVAL;\n\tret = kshram_alloc_slots();\n`]] as const };
  await writeVariant({ ...escapes, edits: [...escapes.edits] }, join(work, ESCAPED_FOLDER));
  expect(await variantSource({ ...escapes, edits: [...escapes.edits] })).toContain('\\x1b]0;TITLE');
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('a submission reaches no host file, no stdin and no terminal through the grade', () => {
  it('a batch of the probes: no canary and no raw escape in --json, results.json, results.csv, report.html or the progress lines', async () => {
    const out = join(work, 'out');
    const batch = await cli(['grade', 'secret', 'environ', 'oops', ESCAPED_FOLDER, '--jobs', '2', '--report', out, '--json']);
    expect(batch.killed).toBe(false);
    expect(batch.code).toBe(1);
    const files = { 'results.json': await readFile(join(out, 'results.json'), 'utf8'), 'results.csv': await readFile(join(out, 'results.csv'), 'utf8'), 'report.html': await readFile(join(out, 'report.html'), 'utf8') };
    for (const [name, text] of Object.entries({ stdout: batch.stdout, stderr: batch.stderr, ...files })) expectClean(name === 'results.csv' ? text.replace(/\r\n/g, '\n') : text, name);

    const result = JSON.parse(batch.stdout) as BatchResult;
    const entry = (student: string): GradeReport => {
      const found = result.entries.find((e) => e.student === student);
      expect(found?.status, `${student}: ${JSON.stringify(found?.error)}`).toBe('graded');
      return found!.report!;
    };
    // the line table's host file: the Oops is reported in kshram_init, the file only named
    const secretReport = entry('secret');
    expect(secretReport.items[2]).toMatchObject({ status: 'fail' });
    expect(secretReport.crash?.summary).toMatch(/^Kernel Oops in kshram_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: invalid opcode/);
    expect(secretReport.crash?.yourCode).toBeUndefined();
    expect(secretReport.crash?.frames[0]).toMatchObject({ function: 'kshram_init', line: 2, own: false, file: expect.stringMatching(/\/private\/secret\.txt$/) });
    // the grader's environment: the module loads, its warning is a note, the environment is in none of it
    const environReport = entry('environ');
    expect(environReport.total).toBe(100);
    expect(environReport.notes.filter((note) => /^kernel warning( \(\d+ times\))?: WARNING: CPU: /.test(note)), environReport.notes.join('\n')).toHaveLength(1);
    expect(environReport.notes.join('\n')).not.toContain('your code:');
    // a crash on the student's own line is still placed there, quoted
    const oopsReport = entry('oops');
    expect(oopsReport.crash?.yourCode).toMatchObject({ file: 'kshram.c', source: 'memset(slot->buf, 0, KSHRAM_DEFAULT_SIZE);', own: true });
    expect(oopsReport.items[2]!.summary).toMatch(/^your code: kshram\.c:\d+ `memset\(slot->buf, 0, KSHRAM_DEFAULT_SIZE\);` in kshram_alloc_slots, inlined into kshram_init at kshram\.c:\d+ — Kernel Oops/);
    // the folder's and the printk's escapes are shown, not sent
    const escaped = entry('esc\\e]0;X\\aname');
    expect(escaped.items[2]!.status).toBe('fail');
    expect(escaped.items[2]!.evidence).toContain('kshram: \\e]0;TITLE\\a \\e]52;c;Y2FuYXJ5\\a \\eP1$r\\e\\ \\e_APC\\e\\ \\e^PM\\e\\ \\eXSOS\\e\\ \\x9b2J end');
    expect(files['report.html']).toContain('esc\\e]0;X\\aname');
    expect(files['results.csv']).toContain('esc\\e]0;X\\aname');
  }, 600_000);

  it('a grade whose line table names /dev/stdin ends by itself with stdin held open, and prints nothing raw', async () => {
    const graded = await cli(['grade', 'stdin', '--evidence', 'all'], 'held-open');
    expect(graded.killed).toBe(false);
    expect(graded.code).toBe(1);
    expect(graded.stdout).toMatch(/^✘ 3\. Load kshram\.ko: \/dev\/kshram0\.\.7 appear\s+0\/10\s+\d+\.\d s$/m);
    expect(graded.stdout).toMatch(/^\s+│ Kernel Oops in kshram_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: invalid opcode/m);
    expectClean(graded.stdout, 'stdout');
    expectClean(graded.stderr, 'stderr');
  }, 300_000);

  it('the TA\'s terminal: a grade of the host-file probe and of the escapes prints neither the file nor a raw escape', async () => {
    const secretRun = await cli(['grade', 'secret', '--evidence', 'all'], 'held-open');
    expect(secretRun.killed).toBe(false);
    expect(secretRun.stdout).toMatch(/Kernel Oops in kshram_init\+/);
    expectClean(secretRun.stdout, 'stdout of secret');
    expectClean(secretRun.stderr, 'stderr of secret');
    const escapesRun = await cli(['grade', ESCAPED_FOLDER, '--evidence', 'all']);
    expect(escapesRun.stdout).toContain('kshram: \\e]0;TITLE\\a');
    expectClean(escapesRun.stdout, 'stdout of escapes');
    expectClean(escapesRun.stderr, 'stderr of escapes');
  }, 600_000);
});

/** Every string in an event's payload (keys too), for checking them as they are, not as JSON escapes them. */
function stringsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) found.push(key, ...stringsIn(item));
  return found;
}

describe('the workbench: what reaches its events', () => {
  it('a crash of the host-file probe and a grade of the escapes: no canary, nothing raw in the grade, the live console as a terminal has it', async () => {
    const session = new LabSession();
    const events: ApiEvent[] = [];
    session.onEvent((e) => events.push(e));
    const statuses = (): VmStatus[] => events.flatMap((e) => (e.name === 'vm.state' ? [e.payload] : []));
    try {
      await session.openWorkspace(join(work, 'secret'));
      await session.boot({ cols: 100, rows: 30, loadModule: true });
      const crashed = await until('the crash, decoded', () => statuses().find((s) => s.phase === 'crashed' && s.crash?.frames), 120_000);
      expect(crashed.crash!.frames![0]).toMatchObject({ function: 'kshram_init', line: 2, file: expect.stringMatching(/\/private\/secret\.txt$/) });
      expect(crashed.crash!.location).toBeUndefined();
      await session.stop();

      await session.openWorkspace(join(work, ESCAPED_FOLDER));
      const result = await session.grade();
      expect(result.items[2]!.evidence).toContain('kshram: \\e]0;TITLE\\a');
      // the grade is what reports and a TA's terminal carry: nothing raw in it
      expectClean(stringsIn(result).join('\n'), 'the workbench\'s grade');
      // the rest is drawn by the DOM as text (the folder's own name among it): the canary only
      const shown = events.filter((e) => e.name !== 'console.data');
      expect(stringsIn(shown).join('\n')).not.toContain(CANARY);
      // the grade's live console is the guest's, shown by xterm.js as a terminal shows it
      const console = events.flatMap((e) => (e.name === 'console.data' ? [e.payload.data] : [])).join('');
      expect(console).toContain('\x1b]0;TITLE\x07');
    } finally {
      await session.dispose();
    }
  }, 600_000);
});
