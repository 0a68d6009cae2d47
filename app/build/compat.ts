/**
 * Course-kernel compatibility. Students write kshram.c for the course's
 * Linux 6.2.6; our kits run Debian's 6.1 and 6.12, whose module API differs
 * in a few spellings. For each such construct the source uses on a line the
 * kit compiles, this decides whether the kit lacks that spelling and turns
 * on the matching shim of resources/compat/kshram-compat.h, and says so at
 * the line: what was shimmed, and what the line needs on the other kernels,
 * the course's included. Nothing is silent and --no-compat turns it all off.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Kit } from '../kit/kit.js';
import { projectRoot } from '../paths.js';
import { scanSource, type Construct, type ConstructKind, type OwnDefinition, type PrologueDefine } from './compat-scan.js';
import { compiledLines, kernelVersionCode, type MacroKnowledge } from './cpp-if.js';
import type { Diagnostic } from './diagnostics.js';

export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
}

/** The kernel of the course's dist.tbz: what students write for. */
export const COURSE_KERNEL: KernelVersion = { major: 6, minor: 2, patch: 6 };

export const COMPAT_HEADER = join(projectRoot, 'resources', 'compat', 'kshram-compat.h');

/** The build flag that lets a class callback of the other kernel's type through as a warning. */
const RELAX_POINTER_TYPES = '-Wno-error=incompatible-pointer-types';

export type ShimId = 'class_create' | 'devnode' | 'dev_uevent' | 'vm_flags-helpers' | 'vm_flags-write' | 'no_llseek' | 'strlcpy' | 'kallsyms_lookup_name';

/** What the build result carries about compatibility. */
export interface CompatReport {
  /** False with --no-compat, or when the kit's version could not be read. */
  enabled: boolean;
  /** The kit's kernel and the one the source is taken to be written for, "6.12.95" / "6.2.6". */
  kernel?: string;
  target: string;
  /** Shims the build used, in the order first met in the source. */
  applied: ShimId[];
  /** One line per finding ("kshram.c:200: shim: ..."), for the CLI and the grade report. */
  notes: string[];
}

interface Finding {
  line: number;
  column: number;
  shim?: ShimId;
  message: string;
}

export interface CompatPlan {
  kernel: KernelVersion;
  target: KernelVersion;
  /** KSHRAM_COMPAT_* macros that switch shims of the header on. */
  defines: string[];
  /** Extra compiler flags. */
  flags: string[];
  findings: Finding[];
  applied: ShimId[];
  /** Lines where an incompatible-pointer-types warning is the expected class callback mismatch. */
  relaxedLines: Set<number>;
  /** The source's own leading #defines, repeated ahead of the header's kernel includes. */
  prologue: PrologueDefine[];
}

type Range = { since?: [number, number]; until?: [number, number] };

interface Rule {
  /** The kernels on which the spelling compiles as written: [since, until). */
  range: Range;
  /** The course's kernel has it whatever the range says (its own export). */
  courseHasIt?: boolean;
  shim: ShimId;
  /** The macro that turns the header's shim on (none: a flag does it). */
  define?: string;
  /** Names that, when the source defines them itself, mean it has its own compat code. */
  names: readonly string[];
  /** The construct as written, for messages. */
  form(c: Construct): string;
  /** What to do on kernels outside `range` ("write ..."). */
  instead(c: Construct): string;
  /** Appended to the shim message. */
  effect?: string;
  /** The whole shim message, where "X is the ≤a.b form; on c.d+ write Y" does not fit. */
  shimMessage?: string;
}

const VM_FLAGS_HELPERS = ['vm_flags_init', 'vm_flags_reset', 'vm_flags_set', 'vm_flags_clear', 'vm_flags_mod'];

const RULES: Record<ConstructKind, Rule> = {
  'class_create-owner': {
    range: { until: [6, 4] },
    shim: 'class_create',
    define: 'KSHRAM_COMPAT_CLASS_CREATE',
    names: ['class_create'],
    form: () => 'class_create(THIS_MODULE, name)',
    instead: (c) => `write class_create(${c.args[1]})`,
  },
  'class_create-name': {
    range: { since: [6, 4] },
    shim: 'class_create',
    define: 'KSHRAM_COMPAT_CLASS_CREATE',
    names: ['class_create'],
    form: () => 'class_create(name)',
    instead: (c) => `write class_create(THIS_MODULE, ${c.args[0]})`,
  },
  'devnode-const': classCallback('devnode', true),
  'devnode-plain': classCallback('devnode', false),
  'dev_uevent-const': classCallback('dev_uevent', true),
  'dev_uevent-plain': classCallback('dev_uevent', false),
  'vm_flags-write': {
    range: { until: [6, 3] },
    shim: 'vm_flags-write',
    define: 'KSHRAM_COMPAT_VM_FLAGS_WRITE',
    names: [],
    form: (c) => `${c.args[0]}->vm_flags ${c.op} ...`,
    instead: (c) => `write ${vmFlagsCall(c.args[0]!, c.op!, c.args[1]!)}`,
  },
  'vm_flags-helper': {
    range: { since: [6, 3] },
    shim: 'vm_flags-helpers',
    define: 'KSHRAM_COMPAT_VM_FLAGS_HELPERS',
    names: VM_FLAGS_HELPERS,
    form: (c) => `vm_flags_${c.op}()`,
    instead: (c) => `write ${vmFlagsAssignment(c.op!, c.args)}`,
  },
  no_llseek: {
    range: { until: [6, 12] },
    shim: 'no_llseek',
    define: 'KSHRAM_COMPAT_NO_LLSEEK',
    names: ['no_llseek'],
    form: () => 'no_llseek',
    instead: () => 'leave .llseek unset (a file without .llseek cannot seek)',
  },
  kallsyms_lookup_name: {
    range: { until: [5, 7] },
    courseHasIt: true,
    shim: 'kallsyms_lookup_name',
    define: 'KSHRAM_COMPAT_KALLSYMS_LOOKUP_NAME',
    names: ['kallsyms_lookup_name'],
    form: () => 'kallsyms_lookup_name()',
    instead: () => 'do without it',
    shimMessage: "shim: kallsyms_lookup_name() is exported by the course's kernel, not by Linux 5.7+; here a kprobe finds it (the lab text says kshram does not need it)",
  },
  strlcpy: {
    range: { until: [6, 8] },
    shim: 'strlcpy',
    define: 'KSHRAM_COMPAT_STRLCPY',
    names: ['strlcpy'],
    form: () => 'strlcpy()',
    instead: (c) => `write strscpy(${c.args.join(', ')}) (it returns -E2BIG, not strlen(src), when it truncates)`,
  },
};

/**
 * A struct class callback (devnode, dev_uevent) takes a const struct
 * device * from 6.2 on. The header cannot change the kit's struct, so the
 * shim is a compiler flag: the mismatch is a warning, and the call is the
 * same machine code either way.
 */
function classCallback(member: 'devnode' | 'dev_uevent', isConst: boolean): Rule {
  const [ret, rest] = member === 'devnode' ? ['char *', 'umode_t *mode'] : ['int ', 'struct kobj_uevent_env *env'];
  const restType = rest.replace(/\s*\w+$/, '');
  const device = (c: boolean): string => `${c ? 'const ' : ''}struct device *`;
  return {
    range: isConst ? { since: [6, 2] } : { until: [6, 2] },
    shim: member,
    names: [],
    form: (c) => `the ${member} callback ${c.callback!.name}(${device(isConst)}, ${restType})`,
    instead: (c) => `write static ${ret}${c.callback!.name}(${device(!isConst)}dev, ${rest})`,
    effect: `; the mismatch at line {assignment} is a warning here, not an error`,
  };
}

/** `vma->vm_flags OP value;` in the 6.3+ spelling. */
function vmFlagsCall(vma: string, op: string, value: string): string {
  switch (op) {
    case '|=':
      return `vm_flags_set(${vma}, ${value});`;
    case '&=':
      return value.startsWith('~') ? `vm_flags_clear(${vma}, ${value.slice(1).trim()});` : `vm_flags_clear(${vma}, ~(${value}));`;
    case '^=':
      return `vm_flags_reset(${vma}, ${vma}->vm_flags ^ (${value}));`;
    default:
      return `vm_flags_reset(${vma}, ${value});`;
  }
}

/** A vm_flags_*() call in the ≤6.2 spelling. */
function vmFlagsAssignment(helper: string, args: readonly string[]): string {
  const [vma = 'vma', a = 'flags', b = 'clear'] = args;
  switch (helper) {
    case 'set':
      return `${vma}->vm_flags |= ${a};`;
    case 'clear':
      return `${vma}->vm_flags &= ~(${a});`;
    case 'mod':
      return `${vma}->vm_flags = (${vma}->vm_flags | ${a}) & ~(${b});`;
    default:
      return `${vma}->vm_flags = ${a};`;
  }
}

const atLeast = (v: KernelVersion, [major, minor]: [number, number]): boolean => v.major > major || (v.major === major && v.minor >= minor);
const inRange = (range: Range, v: KernelVersion): boolean => (!range.since || atLeast(v, range.since)) && (!range.until || !atLeast(v, range.until));
const sameSeries = (a: KernelVersion, b: KernelVersion): boolean => a.major === b.major && a.minor === b.minor;
const compiles = (rule: Rule, v: KernelVersion): boolean => inRange(rule.range, v) || (!!rule.courseHasIt && sameSeries(v, COURSE_KERNEL));
const show = ([major, minor]: [number, number]): string => `${major}.${minor}`;
const below = ([major, minor]: [number, number]): string => (minor > 0 ? `≤${major}.${minor - 1}` : `<${major}.0`);

/** "≤6.3" for the range itself, "6.4+" for the kernels outside it (ranges here are one-sided). */
function rangeText(range: Range): { inside: string; outside: string } {
  if (range.since) return { inside: `${show(range.since)}+`, outside: below(range.since) };
  return { inside: below(range.until!), outside: `${show(range.until!)}+` };
}

export const versionText = (v: KernelVersion): string => `${v.major}.${v.minor}.${v.patch}`;

/** What kernel headers of version `v` define as macros, for `#ifdef` in the source. */
function kernelMacros(v: KernelVersion): MacroKnowledge {
  return (name) => {
    if (['LINUX_VERSION_CODE', 'KERNEL_VERSION', 'MODULE', 'KBUILD_MODNAME', 'THIS_MODULE'].includes(name)) return true;
    if (name === 'class_create') return !atLeast(v, [6, 4]);
    if (name === 'no_llseek') return !atLeast(v, [6, 12]);
    if ([...VM_FLAGS_HELPERS, 'strlcpy'].includes(name)) return false;
    return undefined;
  };
}

/**
 * Decides, from the source alone, which shims a build against `kernel`
 * needs and what to tell the student about each line concerned.
 */
export function planCompat(source: string, kernel: KernelVersion, target: KernelVersion = COURSE_KERNEL): CompatPlan {
  if (sameSeries(kernel, target)) {
    // the kit is the course's kernel: build exactly what its server would
    return { kernel, target, defines: [], flags: [], findings: [], applied: [], relaxedLines: new Set(), prologue: [] };
  }
  const scan = scanSource(source);
  const onKit = compiledLines(scan.masked, kernelVersionCode(kernel.major, kernel.minor, kernel.patch), kernelMacros(kernel));
  const onTarget = compiledLines(scan.masked, kernelVersionCode(target.major, target.minor, target.patch), kernelMacros(target));
  const compiled = (lines: readonly string[], line: number): boolean => lines[line - 1] !== 'no';
  const ownNames = new Set(scan.definitions.filter((d: OwnDefinition) => compiled(onKit, d.line)).map((d) => d.name));

  const findings: Finding[] = [];
  const applied: ShimId[] = [];
  const defines = new Set<string>();
  const relaxedLines = new Set<number>();
  for (const c of scan.constructs) {
    const rule = RULES[c.kind];
    const { inside, outside } = rangeText(rule.range);
    const [line, column] = c.callback ? [c.callback.line, c.callback.column] : [c.line, c.column];
    const courseNeeds = compiled(onTarget, c.line) && !compiles(rule, target);
    const course = `the course's ${target.major}.${target.minor}`;
    if (compiled(onKit, c.line) && !compiles(rule, kernel)) {
      if (rule.names.some((n) => ownNames.has(n))) continue; // its own compat code decides
      if (!applied.includes(rule.shim)) applied.push(rule.shim);
      if (rule.define) defines.add(rule.define);
      if (c.callback) relaxedLines.add(c.line);
      const effect = (rule.effect ?? '').replace('{assignment}', String(c.line));
      const also = courseNeeds ? ` (${course} needs that too)` : '';
      findings.push({ line, column, shim: rule.shim, message: rule.shimMessage ?? `shim: ${rule.form(c)} is the ${inside} form; on ${outside} ${rule.instead(c)}${also}${effect}` });
    } else if (courseNeeds) {
      findings.push({ line, column, message: `${course} kernel: ${rule.form(c)} is the ${inside} form and does not compile there; on ${outside} ${rule.instead(c)}` });
    }
  }
  const unique = findings.filter((f, i) => findings.findIndex((g) => g.line === f.line && g.message === f.message) === i).sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    kernel,
    target,
    defines: [...defines],
    flags: relaxedLines.size ? [RELAX_POINTER_TYPES] : [],
    findings: unique,
    applied,
    relaxedLines,
    prologue: scan.prologue,
  };
}

/** The kit's kernel version, from its headers' version.h (exact), else from the release string. */
export async function kitKernelVersion(kit: Kit): Promise<KernelVersion | undefined> {
  const header = join(kit.buildDirPath, 'include', 'generated', 'uapi', 'linux', 'version.h');
  if (existsSync(header)) {
    const text = await readFile(header, 'utf8');
    const field = (name: string): number | undefined => {
      const m = new RegExp(`#define ${name} (\\d+)`).exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const [major, minor, patch] = [field('LINUX_VERSION_MAJOR'), field('LINUX_VERSION_PATCHLEVEL'), field('LINUX_VERSION_SUBLEVEL')];
    if (major !== undefined && minor !== undefined && patch !== undefined) return { major, minor, patch };
    const code = field('LINUX_VERSION_CODE');
    if (code !== undefined) return { major: code >> 16, minor: (code >> 8) & 0xff, patch: code & 0xff };
  }
  return parseKernelRelease(kit.kernelRelease);
}

/** "6.12.95+deb12-amd64" → 6.12.95. */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

/** Where the generated include file goes inside a build directory. */
export const compatIncludePath = (buildDir: string): string => join(buildDir, '.kshram-lab', 'compat.h');

export interface PreparedCompat {
  plan?: CompatPlan;
  /** Compiler flags for KCFLAGS. */
  kcflags: string[];
  /** Directories the compiler reads (for container toolchains). */
  mounts: string[];
  report: CompatReport;
}

/**
 * Plans compatibility for the module source at `sourcePath` and writes the
 * include file its build needs: the source's leading #defines (so kernel
 * headers included early still see pr_fmt or DEBUG), the shim switches,
 * the compat header, then those #defines withdrawn for the source to make.
 */
export async function prepareCompat(sourcePath: string, buildDir: string, kit: Kit, target: KernelVersion = COURSE_KERNEL): Promise<PreparedCompat> {
  const kernel = await kitKernelVersion(kit);
  if (!kernel) {
    const note = `compat: cannot tell the kernel version of the kit "${kit.name}" (${kit.kernelRelease}); built as written`;
    return { kcflags: [], mounts: [], report: { enabled: false, target: versionText(target), applied: [], notes: [note] } };
  }
  const plan = planCompat(await readFile(sourcePath, 'utf8'), kernel, target);
  const report: CompatReport = { enabled: true, kernel: versionText(kernel), target: versionText(target), applied: plan.applied, notes: [] };
  if (!plan.defines.length) return { plan, kcflags: plan.flags, mounts: [], report };
  const include = compatIncludePath(buildDir);
  await mkdir(dirname(include), { recursive: true });
  const text = [
    '/* Generated by kshram lab for this build (app/build/compat.ts). */',
    ...plan.defines.map((d) => `#define ${d}`),
    ...plan.prologue.map((p) => p.text),
    `#include "${COMPAT_HEADER}"`,
    ...plan.prologue.map((p) => `#undef ${p.name}`),
    '',
  ].join('\n');
  await writeFile(include, text);
  return { plan, kcflags: [...plan.flags, '-include', include], mounts: [dirname(COMPAT_HEADER)], report };
}

/**
 * After the build: info diagnostics at the lines concerned, and the one
 * relaxation kept honest. With a class callback shim the compiler warns
 * about incompatible pointer types instead of failing; any such warning
 * that is not the expected callback mismatch is an error again, as it is
 * on the course's kernel, and fails the build.
 */
export function finishCompat(prepared: PreparedCompat, diagnostics: readonly Diagnostic[], mainFile: string, buildDir: string): { diagnostics: Diagnostic[]; failed: boolean; report: CompatReport } {
  const { plan, report } = prepared;
  if (!plan) return { diagnostics: [...diagnostics], failed: false, report };
  const generated = compatIncludePath(buildDir).slice(buildDir.length + 1);
  let failed = false;
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.file === generated) continue; // the source's own prologue lines, reported again at their place
    if (plan.flags.includes(RELAX_POINTER_TYPES) && d.severity === 'warning' && d.message.includes('[-Wincompatible-pointer-types]')) {
      if (!(d.file === mainFile && plan.relaxedLines.has(d.line))) {
        failed = true;
        out.push({ ...d, severity: 'error', message: `${d.message} (an error on the course's kernel; kshram lab lets only a class callback's device type through)` });
        continue;
      }
    }
    out.push(d);
  }
  for (const f of plan.findings) out.push({ file: mainFile, line: f.line, column: f.column, severity: 'info', message: f.message });
  const notes = plan.findings.map((f) => `${mainFile}:${f.line}: ${f.message}`);
  if (plan.applied.length) {
    notes.unshift(`compat: built on Linux ${versionText(plan.kernel)} with shims: ${plan.applied.join(', ')}; each line concerned follows (--no-compat builds ${mainFile} as written)`);
  }
  return { diagnostics: out, failed, report: { ...report, notes: [...report.notes, ...notes] } };
}

/** The report of a build without the compat layer. */
export const compatDisabled = (target: KernelVersion = COURSE_KERNEL): CompatReport => ({ enabled: false, target: versionText(target), applied: [], notes: [] });
