import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleDir } from '../paths.js';
import { COURSE_KERNEL, parseKernelRelease, planCompat, type KernelVersion } from './compat.js';

const DEBIAN_6_1: KernelVersion = { major: 6, minor: 1, patch: 192 };
const DEBIAN_6_12: KernelVersion = { major: 6, minor: 12, patch: 117 };

const corpus = (name: string): string => readFileSync(join(moduleDir, 'compat-tests', name, 'kshram.c'), 'utf8');
/** 1-based line of the first line containing `text`: the tests find constructs as a reader would. */
const lineOf = (source: string, text: string): number => {
  const index = source.split('\n').findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`not in the source: ${text}`);
  return index + 1;
};
const summary = (plan: ReturnType<typeof planCompat>) => plan.findings.map((f) => [f.line, f.shim ?? 'course', f.message]);

describe('planCompat on the 6.2-style corpus', () => {
  const hello = corpus('hellomod-style');

  it('on 6.1 lets only the const devnode callback through, as a warning at its assignment', () => {
    const plan = planCompat(hello, DEBIAN_6_1);
    expect(plan.applied).toEqual(['devnode']);
    expect(plan.defines).toEqual([]);
    expect(plan.flags).toEqual(['-Wno-error=incompatible-pointer-types']);
    expect([...plan.relaxedLines]).toEqual([lineOf(hello, 'clazz->devnode = kshram_devnode;')]);
    expect(summary(plan)).toEqual([
      [
        lineOf(hello, 'static char *kshram_devnode(const struct device *dev'),
        'devnode',
        `shim: the devnode callback kshram_devnode(const struct device *, umode_t *) is the 6.2+ form; on ≤6.1 write static char *kshram_devnode(struct device *dev, umode_t *mode); the mismatch at line ${lineOf(hello, 'clazz->devnode =')} is a warning here, not an error`,
      ],
    ]);
  });

  it('on 6.12 shims the vm_flags write, no_llseek and the two-argument class_create, saying what 6.12 wants', () => {
    const plan = planCompat(hello, DEBIAN_6_12);
    expect(plan.applied).toEqual(['vm_flags-write', 'no_llseek', 'class_create']);
    expect(plan.defines.sort()).toEqual(['KSHRAM_COMPAT_CLASS_CREATE', 'KSHRAM_COMPAT_NO_LLSEEK', 'KSHRAM_COMPAT_VM_FLAGS_WRITE']);
    expect(plan.flags).toEqual([]);
    expect(summary(plan)).toEqual([
      [lineOf(hello, 'vma->vm_flags |='), 'vm_flags-write', 'shim: vma->vm_flags |= ... is the ≤6.2 form; on 6.3+ write vm_flags_set(vma, VM_IO | VM_DONTEXPAND | VM_DONTDUMP);'],
      [lineOf(hello, '.llseek = no_llseek'), 'no_llseek', 'shim: no_llseek is the ≤6.11 form; on 6.12+ leave .llseek unset (a file without .llseek cannot seek)'],
      [lineOf(hello, 'class_create(THIS_MODULE'), 'class_create', 'shim: class_create(THIS_MODULE, name) is the ≤6.3 form; on 6.4+ write class_create("upclass")'],
    ]);
    // pr_fmt-style leading #defines: this module has none
    expect(plan.prologue).toEqual([]);
  });

  it('on the course kernel itself applies nothing: the kit is what the course server runs', () => {
    const plan = planCompat(hello, COURSE_KERNEL);
    expect(plan.applied).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it("tells a module in the 6.4+ spelling what the course's 6.2 needs, shim or not", () => {
    const source = corpus('newer-api');
    const on61 = planCompat(source, DEBIAN_6_1);
    expect(on61.applied).toEqual(['vm_flags-helpers', 'class_create', 'devnode']);
    expect(on61.findings.find((f) => f.line === lineOf(source, 'class_create("kshram")'))?.message).toBe(
      `shim: class_create(name) is the 6.4+ form; on ≤6.3 write class_create(THIS_MODULE, "kshram") (the course's 6.2 needs that too)`,
    );
    const on612 = planCompat(source, DEBIAN_6_12);
    expect(on612.applied).toEqual(['strlcpy']);
    expect(summary(on612).filter(([, shim]) => shim === 'course')).toEqual([
      [lineOf(source, 'vm_flags_set(vma'), 'course', "the course's 6.2 kernel: vm_flags_set() is the 6.3+ form and does not compile there; on ≤6.2 write vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;"],
      [lineOf(source, 'class_create("kshram")'), 'course', `the course's 6.2 kernel: class_create(name) is the 6.4+ form and does not compile there; on ≤6.3 write class_create(THIS_MODULE, "kshram")`],
    ]);
    // its pr_fmt is repeated ahead of the kernel headers the class_create shim includes
    expect(on61.prologue).toEqual([{ name: 'pr_fmt', line: lineOf(source, '#define pr_fmt'), text: '#define pr_fmt(fmt) "kshram: " fmt' }]);
  });
});

describe('planCompat leaves alone what needs no shim', () => {
  const reference = readFileSync(join(moduleDir, 'kshram.c'), 'utf8');

  for (const kernel of [DEBIAN_6_1, DEBIAN_6_12, COURSE_KERNEL]) {
    it(`finds nothing to shim or report in the reference module (own version guards) on ${kernel.major}.${kernel.minor}`, () => {
      const plan = planCompat(reference, kernel);
      expect(plan.findings).toEqual([]);
      expect(plan.defines).toEqual([]);
      expect(plan.flags).toEqual([]);
    });
  }

  it('ignores comments and strings', () => {
    const source = [
      '/* old: vma->vm_flags |= VM_IO; class_create(THIS_MODULE, "x") */',
      '// .llseek = no_llseek,',
      'static const char *hint = "vma->vm_flags |= VM_IO; no_llseek";',
    ].join('\n');
    expect(planCompat(source, DEBIAN_6_12).findings).toEqual([]);
  });

  it('follows LINUX_VERSION_CODE guards for the kit and for the course kernel separately', () => {
    const source = [
      'static int m(struct vm_area_struct *vma)',
      '{',
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)',
      '\tvm_flags_set(vma, VM_IO);',
      '#else',
      '\tvma->vm_flags |= VM_IO;',
      '#endif',
      '\treturn 0;',
      '}',
    ].join('\n');
    for (const kernel of [DEBIAN_6_1, DEBIAN_6_12]) expect(planCompat(source, kernel).findings).toEqual([]);
  });

  it("keeps out of the way of a module's own vm_flags_set() for old kernels", () => {
    const source = [
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)',
      'static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long f)',
      '{',
      '\tvma->vm_flags |= f;',
      '}',
      '#endif',
      'static int m(struct vm_area_struct *vma) { vm_flags_set(vma, VM_IO); return 0; }',
    ].join('\n');
    const plan = planCompat(source, DEBIAN_6_1);
    expect(plan.defines).toEqual([]);
    // only the course note: on 6.2 the module's own helper is compiled too, so nothing to say
    expect(plan.findings).toEqual([]);
  });
});

describe('planCompat finds constructs where a student hides them', () => {
  it('counts a vm_flags write inside a macro body, at the #define', () => {
    const source = ['#define KSHRAM_MARK(vma) ((vma)->vm_flags |= VM_IO)', 'static int m(struct vm_area_struct *vma) { KSHRAM_MARK(vma); return 0; }'].join('\n');
    const plan = planCompat(source, DEBIAN_6_12);
    expect(plan.defines).toEqual(['KSHRAM_COMPAT_VM_FLAGS_WRITE']);
    expect(plan.findings.map((f) => [f.line, f.message])).toEqual([[1, 'shim: (vma)->vm_flags |= ... is the ≤6.2 form; on 6.3+ write vm_flags_set((vma), VM_IO);']]);
  });

  it('treats a dev_uevent callback like devnode: const from 6.2', () => {
    const source = [
      'static int kshram_uevent(const struct device *dev, struct kobj_uevent_env *env)',
      '{',
      '\treturn add_uevent_var(env, "DEVMODE=%#o", 0666);',
      '}',
      'static int init(void) { cls->dev_uevent = kshram_uevent; return 0; }',
    ].join('\n');
    const plan = planCompat(source, DEBIAN_6_1);
    expect(plan.applied).toEqual(['dev_uevent']);
    expect([...plan.relaxedLines]).toEqual([5]);
    expect(plan.findings.map((f) => [f.line, f.column, f.message])).toEqual([
      [1, 12, 'shim: the dev_uevent callback kshram_uevent(const struct device *, struct kobj_uevent_env *) is the 6.2+ form; on ≤6.1 write static int kshram_uevent(struct device *dev, struct kobj_uevent_env *env); the mismatch at line 5 is a warning here, not an error'],
    ]);
    expect(planCompat(source, DEBIAN_6_12).findings).toEqual([]);
  });

  it("does not take the module's own #define of a name for a use of it", () => {
    const source = ['#ifndef no_llseek', '#define no_llseek NULL', '#endif', 'static const struct file_operations f = { .llseek = no_llseek };'].join('\n');
    // 6.12 has no no_llseek macro, so the module's own definition is compiled and nothing is shimmed
    expect(planCompat(source, DEBIAN_6_12).defines).toEqual([]);
  });
});

describe('planCompat on hostile input', () => {
  /**
   * A scan of a 1 MiB source (the largest kshram lab accepts) takes ~0.2 s
   * of CPU; ten times that is a regression. CPU time, not wall time: a busy
   * host stretched the wall clock past the budget (2.09 s) on a linear scan.
   */
  const SCAN_BUDGET_MS = 2_000;

  it('stays linear on long member chains, unbalanced calls and deep #if nesting', () => {
    const source = [
      `a${'->b'.repeat(50_000)} = 1;`,
      'class_create('.repeat(20_000),
      `x->devnode = f;\n`.repeat(5_000),
      `#if ${'('.repeat(5_000)}`,
      '#endif',
    ].join('\n');
    const started = process.cpuUsage();
    const plan = planCompat(source, DEBIAN_6_12);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(SCAN_BUDGET_MS);
    expect(plan.findings).toEqual([]);
  });
});

describe('parseKernelRelease', () => {
  it('reads Debian and plain release strings', () => {
    expect(parseKernelRelease('6.12.95+deb12-amd64')).toEqual({ major: 6, minor: 12, patch: 95 });
    expect(parseKernelRelease('6.1.0-56-amd64')).toEqual({ major: 6, minor: 1, patch: 0 });
    expect(parseKernelRelease('6.2')).toEqual({ major: 6, minor: 2, patch: 0 });
    expect(parseKernelRelease('custom')).toBeUndefined();
  });
});
