import { posix } from 'node:path';
import { safeText } from '../untrusted-text.js';
import { addr2line, type DwarfLocation } from './addr2line.js';
import { readElfFunctions, type ElfFunction, type ElfFunctions } from './elf-functions.js';
import { SourceLines, type OwnSources } from './source-lines.js';

/** A frame as the kernel printed it: "kshram_mmap+0x24/0xd0 [kshram]" (the kernel-log parser's KernelFrame fits). */
export interface FrameRef {
  func: string;
  offset: number;
  length: number;
  /** The module it belongs to; undefined for the kernel image. */
  module?: string;
}

/** A frame of a report, in the report's order. */
export interface ReportFrame extends FrameRef {
  /**
   * True for a "RIP:" line: the faulting instruction itself. Call-trace
   * entries are return addresses, whose line is the call's only one byte
   * earlier (the call may be a function's last instruction).
   */
  exact: boolean;
}

/** The objects a run loaded, so its frames can be looked up in exactly them. */
export interface RunSymbols {
  /**
   * Module name ("kshram", "hello") -> the .ko that was loaded and, for the student's module, the
   * folder it was built in with the files the build copied there (the student's own code, the only
   * files ever quoted).
   */
  modules: Readonly<Record<string, { koPath: string; sources?: OwnSources; prebuilt?: boolean }>>;
  /** The kit's vmlinux with DWARF, when it has one: kernel frames get lines too. */
  vmlinux?: string;
}

/** A place in the source. */
export interface SourceSite {
  function: string;
  /** The module's own file by name ("kshram.c"), else as DWARF names it (made safe to print, never opened). */
  file?: string;
  line?: number;
  /** The line's text, for the module's own files. */
  source?: string;
  /** In the module's own sources (the student's code), not a kernel header. */
  own: boolean;
  /** The student's calls this code was inlined into, innermost first (firstOwnSite's site only). */
  inlinedInto?: InlinedCall[];
}

/** One frame, decoded: the innermost place (where the address is), and the calls it was inlined into. */
export interface DecodedFrame extends SourceSite {
  /** As printed: "kshram_mmap+0x24/0xd0". */
  symbol: string;
  offset: number;
  module?: string;
  exact: boolean;
  /** The functions this code was inlined into, innermost first (the last is `symbol`'s function). */
  inlinedFrom: SourceSite[];
}

export interface DecodedReport {
  frames: DecodedFrame[];
  /** Why some frames have no line (no DWARF, the wrong .ko, a tool missing), said once each. */
  problems: string[];
}

interface Lookup {
  frame: ReportFrame;
  index: number;
  object: string;
  sources?: OwnSources;
  /** A .ko built elsewhere (a course-service upload): none of its sources are here. */
  prebuilt?: boolean;
  section?: string;
  address: number;
}

/**
 * Decodes a report's frames to source lines, looking each one up in the
 * object the run really loaded (`func+off` -> the symbol's section and
 * value -> addr2line with its inline chain). Kernel frames stay function
 * names unless a vmlinux with DWARF is given. Never throws: a frame that
 * cannot be decoded keeps its printed name, and `problems` says why.
 */
export async function decodeFrames(frames: readonly ReportFrame[], symbols: RunSymbols): Promise<DecodedReport> {
  const problems = new Set<string>();
  const decoded: DecodedFrame[] = frames.map((frame) => ({
    function: frame.func,
    symbol: `${frame.func}+0x${frame.offset.toString(16)}/0x${frame.length.toString(16)}`,
    offset: frame.offset,
    ...(frame.module ? { module: frame.module } : {}),
    exact: frame.exact,
    own: false,
    inlinedFrom: [],
  }));
  const objects = new Map<string, Promise<ElfFunctions | undefined>>();
  const functionsOf = (path: string): Promise<ElfFunctions | undefined> => {
    let found = objects.get(path);
    if (!found) {
      found = readElfFunctions(path).catch((err: Error) => {
        problems.add(err.message);
        return undefined;
      });
      objects.set(path, found);
    }
    return found;
  };

  const lookups: Lookup[] = [];
  for (const [index, frame] of frames.entries()) {
    const module = frame.module ? symbols.modules[frame.module] : undefined;
    const object = frame.module ? module?.koPath : symbols.vmlinux;
    if (!object) continue;
    const elf = await functionsOf(object);
    if (!elf) continue;
    const fn = pickFunction(elf.byName.get(frame.func), frame.offset);
    if (!fn) {
      problems.add(`${frame.func}+0x${frame.offset.toString(16)} is not in ${object}: it is not the object that was loaded`);
      continue;
    }
    const address = fn.value + (frame.exact || frame.offset === 0 ? frame.offset : frame.offset - 1);
    lookups.push({ frame, index, object, sources: module?.sources, prebuilt: module?.prebuilt, section: elf.relocatable ? fn.section : undefined, address });
  }

  const quotes = new Map<OwnSources, SourceLines>();
  const quotesOf = (sources: OwnSources): SourceLines => {
    let found = quotes.get(sources);
    if (!found) quotes.set(sources, (found = new SourceLines(sources)));
    return found;
  };
  const groups = new Map<string, Lookup[]>();
  for (const lookup of lookups) {
    const key = `${lookup.object}\0${lookup.section ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), lookup]);
  }
  for (const group of groups.values()) {
    const { object, section, sources, prebuilt, frame } = group[0]!;
    let chains: DwarfLocation[][];
    try {
      chains = await addr2line(object, section, group.map((l) => l.address));
    } catch (err) {
      problems.add((err as Error).message);
      continue;
    }
    for (const [i, lookup] of group.entries()) {
      const sites = await Promise.all((chains[i] ?? []).map((location) => toSite(location, prebuilt ? prebuiltFiles(chains.flat(), frame.module) : sources ? quotesOf(sources) : undefined)));
      if (!sites.length || !sites[0]!.line) {
        problems.add(`${object} has no line information for ${lookup.frame.func} (built without debug info?)`);
        continue;
      }
      const [innermost, ...outer] = sites;
      decoded[lookup.index] = { ...decoded[lookup.index]!, ...innermost!, inlinedFrom: outer };
    }
  }
  return { frames: decoded, problems: [...problems] };
}

/** Of the symbols with this name (a local name can repeat), the one the offset fits in. */
function pickFunction(candidates: readonly ElfFunction[] | undefined, offset: number): ElfFunction | undefined {
  return candidates?.find((fn) => offset <= fn.size);
}

/** Which of a DWARF name's files are the student's, and their lines (SourceLines, or a prebuilt module's names only). */
type OwnFiles = Pick<SourceLines, 'own' | 'quote'>;

/**
 * A module built elsewhere (a course-service upload): the student's files
 * are those beside its NAME.c, as its DWARF names them, matched by name
 * alone. Nothing is opened: the paths are another machine's, and a path a
 * stranger's .ko names could be any file of this host. So no line is quoted.
 */
function prebuiltFiles(locations: readonly DwarfLocation[], module: string | undefined): OwnFiles {
  const main = locations.find((location) => module && location.file && posix.basename(location.file) === `${module}.c`)?.file;
  const dir = main ? posix.dirname(main) : undefined;
  return {
    own: async (file) => (dir && file && posix.dirname(file) === dir ? safeText(posix.basename(file)) : undefined),
    quote: async () => undefined,
  };
}

/**
 * One step of a chain as a site: the student's own file by its name, with
 * the line quoted, when DWARF names one of the files the build copied;
 * any other name (a kernel header, or whatever a hostile line table
 * says) only shown, made safe to print.
 */
async function toSite(location: DwarfLocation, quotes: OwnFiles | undefined): Promise<SourceSite> {
  const ownFile = await quotes?.own(location.file);
  const file = ownFile ?? (location.file ? safeText(location.file.replace(/^\.\//, '')) : undefined);
  const source = ownFile && location.line ? await quotes!.quote(ownFile, location.line) : undefined;
  return { function: safeText(location.function), ...(file ? { file } : {}), ...(location.line ? { line: location.line } : {}), ...(source ? { source: safeText(source) } : {}), own: !!ownFile };
}

/** A call in the student's code that an inlined function's code sits in. */
export interface InlinedCall {
  function: string;
  file: string;
  line: number;
}

/**
 * The first place in the student's own code: a frame's line, or the call
 * it was inlined at; with the student's calls it was inlined into, so a
 * crash in a helper also names the line that called it.
 */
export function firstOwnSite(frames: readonly DecodedFrame[]): (SourceSite & { module?: string }) | undefined {
  for (const frame of frames) {
    const chain = [frame, ...frame.inlinedFrom];
    const at = chain.findIndex((s) => s.own && s.line);
    if (at < 0) continue;
    const site = chain[at]!;
    const into: InlinedCall[] = [];
    for (const call of chain.slice(at + 1)) {
      if (!call.own || !call.file || !call.line) continue;
      // gcc may list a function inlined into a copy of itself, the outer one at its first line: the call is the line that matters
      if ((into.at(-1)?.function ?? site.function) === call.function) continue;
      into.push({ function: call.function, file: call.file, line: call.line });
    }
    return { function: site.function, file: site.file, line: site.line, ...(site.source ? { source: site.source } : {}), own: true, ...(frame.module ? { module: frame.module } : {}), ...(into.length ? { inlinedInto: into } : {}) };
  }
  return undefined;
}

/** "your code: kshram.c:183 `mutex_lock(&slot->lock);` in kshram_mmap", then ", inlined into kshram_ioctl at kshram.c:144" for each call it sits in. */
export function describeOwnSite(site: SourceSite): string {
  const into = (site.inlinedInto ?? []).map((call) => `, inlined into ${call.function} at ${call.file}:${call.line}`).join('');
  return `your code: ${site.file}:${site.line}${site.source ? ` \`${site.source}\`` : ''} in ${site.function}${into}`;
}
