import { TIMEOUTS } from '../timeouts.js';
import type { CrashReport } from '../vm/crash.js';
import { parseFrame, parseFrames, parseRip, reportTask } from '../vm/kernel-log.js';
import { safeText } from '../untrusted-text.js';
import { SourceLines } from './source-lines.js';
import { decodeFrames, describeOwnSite, firstOwnSite, type DecodedFrame, type ReportFrame, type RunSymbols, type SourceSite } from './decode.js';

/** A crash report's frames decoded against the objects its run loaded. */
export interface DecodedCrash {
  /** The RIP's frame first (the faulting instruction), then the call trace, innermost first. */
  frames: DecodedFrame[];
  /** The first place in the student's own code, e.g. kshram.c:183 in kshram_mmap. */
  yourCode?: SourceSite;
  /** "your code: kshram.c:183 `mutex_lock(&slot->lock);` in kshram_mmap" */
  yourCodeText?: string;
  /** The program the kernel was running for when it reported ("check_msg", "slot-view:3"). */
  task?: string;
  /** Lines around yourCode, for reports that show it in context. */
  excerpt?: SourceExcerpt;
  /** Why some frames have no line. */
  problems: string[];
}

export interface SourceExcerpt {
  file: string;
  /** The line the crash is on. */
  line: number;
  firstLine: number;
  lines: string[];
}

/** Lines of context either side of the crash's line in a report's excerpt. */
const EXCERPT_CONTEXT_LINES = 3;

/** The report's frames in the order they matter: where it faulted, then who called. */
export function reportFrames(crash: CrashReport): ReportFrame[] {
  const frames: ReportFrame[] = crash.frames.map((frame) => ({ ...frame, exact: false }));
  if (crash.ripFrame) frames.unshift({ ...crash.ripFrame, exact: true });
  return frames;
}

/**
 * Decodes a crash report of any kind that has frames (Oops, panic, lockup,
 * stall, the memory checkers' reports): each frame in one of the run's
 * modules gets its file, line, quoted source and inline chain.
 */
export async function decodeCrash(crash: CrashReport, symbols: RunSymbols): Promise<DecodedCrash> {
  const { frames, problems } = await decodeFrames(reportFrames(crash), symbols);
  const yourCode = firstOwnSite(frames);
  const task = reportTask(crash.text);
  const excerpt = yourCode ? await ownExcerpt(yourCode, symbols) : undefined;
  return { frames, ...(yourCode ? { yourCode, yourCodeText: describeOwnSite(yourCode) } : {}), ...(excerpt ? { excerpt } : {}), ...(task ? { task } : {}), problems };
}

/** Lines around the student's line, from the source the loaded .ko was built from (one of the files the build copied). */
async function ownExcerpt(site: SourceSite & { module?: string }, symbols: RunSymbols): Promise<SourceExcerpt | undefined> {
  const sources = site.module ? symbols.modules[site.module]?.sources : undefined;
  if (!sources || !site.own || !site.file || !site.line) return undefined;
  const excerpt = await new SourceLines(sources).excerpt(site.file, site.line, EXCERPT_CONTEXT_LINES);
  return excerpt ? { file: site.file, line: site.line, firstLine: excerpt.firstLine, lines: excerpt.lines.map(safeText) } : undefined;
}

/** What reports and the API carry of a decoded crash (JSON: `crash.frames[]`, `crash.yourCode`, ...). */
export interface CrashLocation {
  task?: string;
  yourCode?: SourceSite;
  excerpt?: SourceExcerpt;
  frames: DecodedFrame[];
  /** Why some frames have no line; absent when all could be decoded. */
  decodeProblems?: string[];
}

export function decodedCrashFields(decoded: DecodedCrash): CrashLocation {
  return {
    ...(decoded.task ? { task: decoded.task } : {}),
    ...(decoded.yourCode ? { yourCode: decoded.yourCode } : {}),
    ...(decoded.excerpt ? { excerpt: decoded.excerpt } : {}),
    frames: decoded.frames,
    ...(decoded.problems.length ? { decodeProblems: decoded.problems } : {}),
  };
}

/**
 * Where a kernel warning (a WARN_ON's "WARNING: CPU: 0 PID: 93 at ...")
 * points into the student's code: its RIP, then its call trace.
 */
export async function warningYourCode(text: string, symbols: RunSymbols): Promise<string | undefined> {
  const frames: ReportFrame[] = parseFrames(text).map((frame) => ({ ...frame, exact: false }));
  const rip = parseRip(text.split('\n').find((line) => parseRip(line)) ?? '');
  const ripFrame = rip ? parseFrame(rip) : undefined;
  if (ripFrame) frames.unshift({ ...ripFrame, exact: true });
  const site = firstOwnSite((await decodeFrames(frames, symbols)).frames);
  return site ? describeOwnSite(site) : undefined;
}

/** Where one frame ("kshram_ioctl+0x83/0xec [kshram]", a stuck task's or a frozen CPU's) is in the student's code. */
export async function frameYourCode(text: string, exact: boolean, symbols: RunSymbols): Promise<string | undefined> {
  const frame = parseFrame(text);
  if (!frame) return undefined;
  const site = firstOwnSite((await decodeFrames([{ ...frame, exact }], symbols)).frames);
  return site ? describeOwnSite(site) : undefined;
}

/** How often an incomplete report is looked at again. */
const CRASH_POLL_MS = 100;

/**
 * Resolves once the report is complete (its frames are all there to
 * decode), the VM has ended, or the report has had its settle time.
 */
export function reportSettled(crash: CrashReport, ended: () => boolean): Promise<void> {
  const deadline = (crash.seenAt ?? Date.now()) + TIMEOUTS.crashSettleMs;
  return new Promise((resolve) => {
    const look = (): void => {
      if (crash.complete || ended() || Date.now() >= deadline) resolve();
      else setTimeout(look, CRASH_POLL_MS).unref();
    };
    look();
  });
}
