import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_KITS } from '../kit-store/install.js';
import { loadKit, type Kit } from '../kit/kit.js';
import { moduleDir } from '../paths.js';
import type { Diagnostic } from './diagnostics.js';
import { buildModule } from './module.js';
import { NativeToolchain } from './toolchain.js';

/**
 * Real kbuild against each installed built-in kit: the 6.2-style corpus
 * builds with the compat layer and fails without it, the reference module
 * builds warning-free with it, and real mistakes stay errors at their line.
 */
const installed = (await Promise.all(Object.keys(BUILTIN_KITS).map((name) => loadKit(name).catch(() => undefined)))).filter((k): k is Kit => !!k);
const toolchain = new NativeToolchain();
const corpusDir = (name: string): string => join(moduleDir, 'compat-tests', name);
const seedHeader = join(moduleDir, 'kshram.h');
const lineOf = (source: string, text: string): number => {
  const index = source.split('\n').findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`not in the source: ${text}`);
  return index + 1;
};
const build = (dir: string, kit: Kit, compat = true) => buildModule({ dir, name: 'kshram', fallbackHeaders: [seedHeader] }, { kit, toolchain, compat });
/** One compat build per kit and module, shared by the tests that look at it. */
const compatBuilds = new Map<string, ReturnType<typeof build>>();
const compatBuild = (dir: string, kit: Kit): ReturnType<typeof build> => {
  const key = `${kit.name}:${dir}`;
  if (!compatBuilds.has(key)) compatBuilds.set(key, build(dir, kit));
  return compatBuilds.get(key)!;
};
const at = (diagnostics: Diagnostic[], severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity && d.file === 'kshram.c').map((d) => d.line);

/** Writes module `name` (a corpus module, or "reference") with one textual edit into a fresh directory. */
async function edited(name: string, ...edits: Array<[from: string, to: string]>): Promise<{ dir: string; source: string }> {
  let source = await readFile(join(name === 'reference' ? moduleDir : corpusDir(name), 'kshram.c'), 'utf8');
  for (const [from, to] of edits) {
    if (!source.includes(from)) throw new Error(`module ${name} no longer contains ${from}`);
    source = source.replace(from, to);
  }
  const dir = await mkdtemp(join(tmpdir(), `kshram-compat-${name}-`));
  await writeFile(join(dir, 'kshram.c'), source);
  return { dir, source };
}

/** Every construct the compat layer knows, in both spellings where there are two. */
const SHIM_TOUR = `// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) "tour: " fmt
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>

static struct class *tour_class;
static char tour_name[8];

static int tour_mmap(struct file *file, struct vm_area_struct *vma)
{
\tvma->vm_flags |= VM_IO;
\tvma->vm_flags &= ~VM_MAYEXEC;
\tvm_flags_set(vma, VM_DONTEXPAND);
\tvm_flags_clear(vma, VM_MAYWRITE);
\tvm_flags_mod(vma, VM_DONTDUMP, 0);
\treturn 0;
}

static const struct file_operations tour_fops = {
\t.owner = THIS_MODULE,
\t.llseek = no_llseek,
\t.mmap = tour_mmap,
};

static int __init tour_init(void)
{
\tstruct class *other;

\tif (strlcpy(tour_name, "tour-long-name", sizeof(tour_name)) != 14)
\t\treturn -EINVAL;
\tpr_info("%s %lx %p\\n", tour_name, kallsyms_lookup_name("kfree"), &tour_fops);
\ttour_class = class_create(THIS_MODULE, "tour");
\tif (IS_ERR(tour_class))
\t\treturn PTR_ERR(tour_class);
\tother = class_create("tour2");
\tif (IS_ERR(other)) {
\t\tclass_destroy(tour_class);
\t\treturn PTR_ERR(other);
\t}
\tclass_destroy(other);
\treturn 0;
}

static void __exit tour_exit(void)
{
\tclass_destroy(tour_class);
}

module_init(tour_init);
module_exit(tour_exit);
MODULE_LICENSE("GPL");
`;

describe.skipIf(!installed.length)('compat builds on the installed kits', () => {
  it('has the default kit at least', () => {
    expect(installed.map((k) => k.name)).toContain('debian-6.1');
  });

  for (const kit of installed) {
    describe(kit.name, () => {
      for (const name of ['hellomod-style', 'cdev-array', 'newer-api']) {
        it(`builds ${name} with the shims it needs and names each at its line`, async () => {
          const source = await readFile(join(corpusDir(name), 'kshram.c'), 'utf8');
          const result = await compatBuild(corpusDir(name), kit);
          expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          expect(result.ok).toBe(true);
          expect(result.compat.enabled).toBe(true);
          expect(result.compat.applied.length).toBeGreaterThan(0);
          const infoLines = at(result.diagnostics, 'info');
          expect(infoLines.length).toBeGreaterThan(0);
          // every info marker sits on a line that holds the construct it talks about
          for (const d of result.diagnostics.filter((x) => x.severity === 'info')) {
            const line = source.split('\n')[d.line - 1]!;
            const construct = /class_create|vm_flags|no_llseek|strlcpy|devnode/.exec(d.message)![0];
            expect(line, d.message).toContain(construct === 'devnode' ? '_devnode(' : construct);
          }
          expect(result.compat.notes[0]).toMatch(new RegExp(`^compat: built on Linux ${kit.kernelRelease.split(/[-+]/)[0]!.replace(/\.0$/, '')}.* with shims: ${result.compat.applied.join(', ')};`));
          // warnings: at most the devnode mismatch the shim lets through
          for (const w of result.diagnostics.filter((d) => d.severity === 'warning')) expect(w.message).toMatch(/incompatible pointer type .*struct device/);
        });

        it(`fails to build ${name} with --no-compat, at the lines the shims cover`, async () => {
          const result = await build(corpusDir(name), kit, false);
          const compatLines = at((await compatBuild(corpusDir(name), kit)).diagnostics, 'info');
          expect(result.ok).toBe(false);
          expect(result.compat).toMatchObject({ enabled: false, applied: [], notes: [] });
          const errorLines = at(result.diagnostics, 'error');
          expect(errorLines.length).toBeGreaterThan(0);
          // each error is at a construct compat handles (a devnode error is at its assignment, the marker at the callback)
          const source = await readFile(join(corpusDir(name), 'kshram.c'), 'utf8');
          for (const line of errorLines) {
            const text = source.split('\n')[line - 1]!;
            expect(compatLines.includes(line) || /devnode|class_create|THIS_MODULE/.test(text), `error at line ${line}: ${text}`).toBe(true);
          }
        });
      }

      it('builds the reference module (its own version guards) warning-free, with no shim reported', async () => {
        const result = await build(moduleDir, kit);
        expect(result.ok).toBe(true);
        expect(result.diagnostics).toEqual([]);
        expect(result.compat).toMatchObject({ enabled: true, applied: [], notes: [] });
      });

      it('still reports a mistake in a 6.2-style module as an error at its line, beside the shim notes', async () => {
        const { dir, source } = await edited('hellomod-style', ['\t\treturn NSLOTS;', '\t\treturn NSLOT;']);
        const result = await build(dir, kit);
        expect(result.ok).toBe(false);
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ file: 'kshram.c', line: lineOf(source, 'return NSLOT;') });
        expect(errors[0]!.message).toMatch(/'NSLOT' undeclared/);
        expect(result.compat.applied.length).toBeGreaterThan(0);
      });

      it("links a call to kallsyms_lookup_name, which only the course's kernel exports", async () => {
        // the reference module builds as written on every kit, so only the missing export can fail it
        const { dir, source } = await edited(
          'reference',
          ['#include <linux/fs.h>', '#include <linux/fs.h>\n#include <linux/kallsyms.h>'],
          ['\tpr_info("%d slots', '\tpr_info("kfree at %lx\\n", kallsyms_lookup_name("kfree"));\n\tpr_info("%d slots'],
        );
        const result = await build(dir, kit);
        expect(result.diagnostics.filter((d) => d.severity === 'error' || d.message.includes('kallsyms'))).toEqual([
          // a character column: the tab counts 1, as in the editor
          { file: 'kshram.c', line: lineOf(source, 'kallsyms_lookup_name("kfree")'), column: 1 + 'pr_info("kfree at %lx\\n", '.length + 1, severity: 'info', message: expect.stringMatching(/^shim: kallsyms_lookup_name\(\) is exported by the course's kernel/) },
        ]);
        expect(result.ok).toBe(true);
        const without = await build(dir, kit, false);
        expect(without.ok).toBe(false);
        expect(without.diagnostics.some((d) => d.severity === 'error' && /modpost: "kallsyms_lookup_name" .*undefined/.test(d.message))).toBe(true);
      });

      it('compiles every shim of the header in every spelling, warning-free', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'kshram-compat-tour-'));
        await writeFile(join(dir, 'kshram.c'), SHIM_TOUR);
        const result = await build(dir, kit);
        expect(result.diagnostics.filter((d) => d.severity !== 'info' && d.severity !== 'note')).toEqual([]);
        expect(result.ok).toBe(true);
        // each spelling the kit lacks is shimmed and reported; the rest compile natively
        expect(result.compat.applied.length).toBeGreaterThanOrEqual(3);
      });

      it('keeps a wrong function pointer an error even where the devnode mismatch is let through', async () => {
        const { dir, source } = await edited('hellomod-style', ['.release = kshram_dev_close,', '.release = kshram_dev_mmap,']);
        const result = await build(dir, kit);
        expect(result.ok).toBe(false);
        expect(result.koPath).toBeUndefined();
        const error = result.diagnostics.find((d) => d.severity === 'error' && d.file === 'kshram.c');
        expect(error).toMatchObject({ line: lineOf(source, '.release = kshram_dev_mmap') });
        expect(error!.message).toMatch(/incompatible pointer type/);
      });
    });
  }
});
