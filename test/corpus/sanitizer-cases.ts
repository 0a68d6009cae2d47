import type { Variant } from './variants.js';
import type { SanitizerKind } from '../../app/vm/report-kinds.js';

/**
 * Bugs that do not crash: each is the reference module with a small
 * edit, graded 100/100 as on the course server, and the checker report
 * a checked run on the debug kit must add as a note. `line` is text of
 * the edited kshram.c; the report's first frame in kshram must decode to
 * the one line that contains it.
 */
export interface SanitizerCase {
  name: string;
  description: string;
  edits: Variant['edits'];
  /** The one kind of sanitizer report the debug kit gives. */
  kind: SanitizerKind;
  /** The report's title, e.g. /^BUG: KASAN: use-after-free in kshram_set_size/. */
  title: RegExp;
  /** Text of the line the report's innermost kshram frame is on. */
  line: string;
  /** Whether `--checked` on the stock debian-6.1 kernel (slub_debug, page_poison) catches it too, and as what. */
  stock?: { kind: SanitizerKind; title: RegExp };
}

const EXIT_FREE = '\tkshram_free_slots();\n\tpr_info("unloaded\\n");';
const SET_SIZE_STORE = '\tslot->buf = buf;\n\tslot->size = size;\n';
const PROC_SHOW = `static int kshram_proc_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++)
		seq_printf(m, "%02d: %ld\\n", i, kshram_get_size(&kshram_slots[i]));
	return 0;
}`;

export const SANITIZER_CASES: readonly SanitizerCase[] = [
  {
    name: 'leak-on-unload',
    description: 'never frees the buffers when the module is unloaded',
    edits: [[EXIT_FREE, '\tpr_info("unloaded\\n");']],
    kind: 'kmemleak',
    // kshram_realloc is inlined into its callers: the init's and the resizes' blocks, one place
    title: /^\d+ objects? \(\d+ bytes\) allocated in kshram_\w+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\] were never freed/,
    line: 'buf = krealloc(old, alloc_size, GFP_KERNEL | __GFP_NOWARN);',
  },
  {
    name: 'use-after-krealloc',
    description: 'copies the old contents after krealloc() (which already did, and freed the old buffer)',
    edits: [[SET_SIZE_STORE, '\tif (buf != slot->buf)\n\t\tmemcpy(buf, slot->buf, min_t(size_t, slot->size, size));\n' + SET_SIZE_STORE]],
    kind: 'kasan',
    title: /^BUG: KASAN: use-after-free in kshram_(set_size|ioctl)\+/,
    line: 'memcpy(buf, slot->buf, min_t(size_t, slot->size, size));',
  },
  {
    name: 'ioctl-one-past-end',
    description: 'terminates the resized buffer with a zero byte one past its end in KSHRAM_SETSIZE',
    edits: [[SET_SIZE_STORE, '\t((char *)buf)[PAGE_ALIGN(size)] = 0;\n' + SET_SIZE_STORE]],
    kind: 'kasan',
    title: /^BUG: KASAN: slab-out-of-bounds in kshram_(set_size|ioctl)\+/,
    line: '((char *)buf)[PAGE_ALIGN(size)] = 0;',
    stock: { kind: 'slub', title: /^BUG kmalloc-[\w-]+ \(.*\): Right Redzone overwritten$/ },
  },
  {
    name: 'mutex-twice',
    description: 'takes every slot mutex at once to print a consistent /proc/kshram (the same lock class twice, unannotated)',
    edits: [
      [
        PROC_SHOW,
        `static int kshram_proc_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++)
		mutex_lock(&kshram_slots[i].lock);
	for (i = 0; i < KSHRAM_SLOTS; i++)
		seq_printf(m, "%02d: %zu\\n", i, kshram_slots[i].size);
	for (i = 0; i < KSHRAM_SLOTS; i++)
		mutex_unlock(&kshram_slots[i].lock);
	return 0;
}`,
      ],
    ],
    kind: 'lockdep',
    title: /^WARNING: possible recursive locking detected/,
    line: 'mutex_lock(&kshram_slots[i].lock);',
  },
  {
    name: 'gfp-kernel-under-spinlock',
    description: 'counts resizes under a spinlock and reallocates while holding it (GFP_KERNEL may sleep)',
    edits: [
      ['static struct class *kshram_class;\n', 'static struct class *kshram_class;\nstatic DEFINE_SPINLOCK(kshram_resize_lock);\nstatic unsigned long kshram_resizes;\n'],
      [
        '\tbuf = kshram_realloc(slot->buf, slot->size, size);\n',
        '\tspin_lock(&kshram_resize_lock);\n\tkshram_resizes++;\n\tbuf = kshram_realloc(slot->buf, slot->size, size);\n\tspin_unlock(&kshram_resize_lock);\n',
      ],
    ],
    kind: 'atomic-sleep',
    title: /^BUG: sleeping function called from invalid context at /,
    line: 'buf = krealloc(old, alloc_size, GFP_KERNEL | __GFP_NOWARN);',
  },
  {
    name: 'proc-line-overflow',
    description: 'formats each /proc/kshram line with sprintf() into a 12-byte stack buffer: "00: 1052672\\n" needs 13 with its NUL',
    edits: [
      [
        PROC_SHOW,
        `static int kshram_proc_show(struct seq_file *m, void *v)
{
	char line[12];
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++) {
		sprintf(line, "%02d: %ld\\n", i, kshram_get_size(&kshram_slots[i]));
		seq_puts(m, line);
	}
	return 0;
}`,
      ],
    ],
    kind: 'kasan',
    title: /^BUG: KASAN: stack-out-of-bounds in /,
    line: 'sprintf(line, "%02d: %ld\\n", i, kshram_get_size(&kshram_slots[i]));',
  },
];
