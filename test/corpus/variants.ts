import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleDir } from '../../app/paths.js';
import type { CrashKind } from '../../app/vm/crash.js';
import type { ItemStatus } from '../../app/grade/checklist.js';

/**
 * Broken modules for the grader's tests: each is the reference module with
 * a few textual edits, the kind of mistake a student makes, so the corpus
 * follows the reference as it changes. Every edit asserts that its `from`
 * text still exists, so a changed reference breaks the corpus loudly.
 */
export interface Variant {
  name: string;
  /** What is wrong with it, as a student would have written it. */
  description: string;
  edits: ReadonlyArray<readonly [from: string, to: string]>;
  /** Expected status of items 1..8. */
  statuses: readonly ItemStatus[];
  /** Text the failing item's evidence must contain (or, with no failing item, item `evidenceItem`'s). */
  evidence: RegExp;
  /** Item whose evidence `evidence` is matched against when nothing fails. */
  evidenceItem?: number;
  /** Notes the report must carry (each pattern matches one note). */
  notes?: readonly RegExp[];
  /** The kind of kernel crash that ends the run, if one does. */
  crash?: CrashKind;
  /**
   * Where the crash is in the student's code: the function, and the text of
   * the line (a line within that function of the variant's source that
   * contains it; several for a loop, where either line may be running).
   */
  crashAt?: { function: string; lines: readonly string[] };
  /**
   * A guest that freezes (every CPU waiting, interrupts off, so no watchdog
   * can report): what QEMU's registers say instead, and the student's line
   * they land on. With `crash` too, the run may end either way: which one
   * depends on timing (see irqs-off-loop).
   */
  frozen?: { evidence: RegExp; at: { function: string; lines: readonly string[] } };
}

const PASS_ALL: readonly ItemStatus[] = ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'];
/** Items 1..n-1 pass, item n fails, the rest are not run. */
const failsAt = (n: number): readonly ItemStatus[] => PASS_ALL.map((_, i) => (i + 1 < n ? 'pass' : i + 1 === n ? 'fail' : 'not-run'));

// Anchors in module/kshram.c the edits hang on.
const SET_SIZE_CHECK = '\tif (size == 0 || size > KSHRAM_MAX_SIZE)\n\t\treturn -EINVAL;\n';
const SET_SIZE_LOCALS = '\tvoid *buf;\n\tlong ret = 0;\n\n\tif (size == 0';
const STOPPED_EVERY_CPU =
  /^check_resize did not finish within 40 s and the guest stopped answering: CPU \d is at kshram_wait_size\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\] with interrupts off\n[\s\S]*--- CPUs \(as QEMU sees them\) ---\nCPU 0: /;
const EXIT_START = 'static void __exit kshram_exit(void)\n{\n';

export const VARIANTS: readonly Variant[] = [
  {
    name: 'does-not-compile',
    description: 'has a missing semicolon',
    edits: [['return KSHRAM_SLOTS;', 'return KSHRAM_SLOTS']],
    statuses: failsAt(3),
    evidence: /^kshram\.c does not compile: kshram\.c:\d+:\d+: error: expected ';' before 'case'$/m,
    notes: [/^kshram\.c did not compile; see item 3$/],
  },
  {
    name: 'oops-in-init',
    description: 'clears each buffer before allocating it (NULL dereference in init)',
    edits: [['\t\tslot->size = KSHRAM_DEFAULT_SIZE;\n', '\t\tmemset(slot->buf, 0, KSHRAM_DEFAULT_SIZE);\n\t\tslot->size = KSHRAM_DEFAULT_SIZE;\n']],
    statuses: failsAt(3),
    evidence: /^Kernel Oops in kshram_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: BUG: kernel NULL pointer dereference, address: 0000000000000000 \(during insmod \/lib\/kshram\/kshram\.ko\)\n[\s\S]*--- kernel report ---\n[\s\S]*RIP: 0010:kshram_init\+/,
    crash: 'oops',
    crashAt: { function: 'kshram_alloc_slots', lines: ['memset(slot->buf, 0, KSHRAM_DEFAULT_SIZE);'] },
  },
  {
    name: 'panic-in-ioctl',
    description: 'panics in KSHRAM_SETSIZE when asked for more than 1 MiB',
    edits: [[SET_SIZE_CHECK, `${SET_SIZE_CHECK}\tif (size > (1UL << 20))\n\t\tpanic("kshram: size %lu too large\\n", size);\n`]],
    statuses: failsAt(6),
    evidence: /^Kernel panic in kshram_ioctl(\.cold)?\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: Kernel panic - not syncing: kshram: size 1052672 too large \(during check_resize\)\n/,
    crash: 'panic',
    crashAt: { function: 'kshram_set_size', lines: ['panic("kshram: size %lu too large\\n", size);'] },
  },
  {
    name: 'endless-loop-in-ioctl',
    description: 'rounds the new size up to a power of two starting from 0 (endless loop in KSHRAM_SETSIZE)',
    edits: [
      [SET_SIZE_LOCALS, '\tvoid *buf;\n\tlong ret = 0;\n\tunsigned long rounded = 0;\n\n\tif (size == 0'],
      [SET_SIZE_CHECK, `${SET_SIZE_CHECK}\twhile (rounded < size)\n\t\trounded <<= 1;\n\tsize = rounded;\n`],
    ],
    statuses: failsAt(6),
    evidence: /^Kernel lockup in kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: watchdog: BUG: soft lockup - CPU#\d stuck for \d+s! \[check_resize:\d+\] \(during check_resize\)\n/,
    crash: 'lockup',
    crashAt: { function: 'kshram_set_size', lines: ['while (rounded < size)', 'rounded <<= 1;'] },
  },
  {
    name: 'irqs-off-loop',
    description: 'disables interrupts and waits for a condition that never comes in KSHRAM_SETSIZE',
    edits: [[SET_SIZE_CHECK, `${SET_SIZE_CHECK}\tlocal_irq_disable();\n\twhile (size > KSHRAM_DEFAULT_SIZE)\n\t\tcpu_relax();\n`]],
    statuses: failsAt(6),
    // the soft-lockup watchdog cannot run on that CPU; RCU's stall detector (21 s) on the other one notices
    evidence: /^RCU stall in kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: rcu: INFO: rcu_preempt detected stalls on CPUs\/tasks: \(during check_resize\)\n/,
    crash: 'stall',
    crashAt: { function: 'kshram_set_size', lines: ['while (size > KSHRAM_DEFAULT_SIZE)', 'cpu_relax();'] },
    // on a busy host the other CPU sometimes ends up waiting for this one first (3 of 16 runs 4 at a time)
    frozen: {
      evidence: /^check_resize did not finish within 40 s and the guest stopped answering: CPU \d is at kshram_ioctl\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\] with interrupts off\n/,
      at: { function: 'kshram_set_size', lines: ['while (size > KSHRAM_DEFAULT_SIZE)', 'cpu_relax();'] },
    },
  },
  {
    name: 'stops-every-cpu',
    description: 'waits for a size inside stop_machine(), so every CPU spins with interrupts off in KSHRAM_SETSIZE',
    edits: [
      ['#include <linux/slab.h>\n', '#include <linux/slab.h>\n#include <linux/stop_machine.h>\n'],
      ['static long kshram_set_size(', 'static int kshram_wait_size(void *data)\n{\n\tunsigned long *size = data;\n\n\twhile (*size > KSHRAM_DEFAULT_SIZE)\n\t\tcpu_relax();\n\treturn 0;\n}\n\nstatic long kshram_set_size('],
      [SET_SIZE_CHECK, `${SET_SIZE_CHECK}\tstop_machine(kshram_wait_size, &size, NULL);\n`],
    ],
    statuses: failsAt(6),
    // no CPU takes interrupts, so no watchdog reports: only QEMU still knows where they are
    evidence: STOPPED_EVERY_CPU,
    frozen: {
      evidence: STOPPED_EVERY_CPU,
      at: { function: 'kshram_wait_size', lines: ['while (*size > KSHRAM_DEFAULT_SIZE)', 'cpu_relax();'] },
    },
  },
  {
    name: 'oops-in-mmap',
    description: 'takes the slot from the VMA instead of the file in mmap (NULL dereference in kshram_mmap)',
    edits: [['static int kshram_mmap(struct file *file, struct vm_area_struct *vma)\n{\n\tstruct kshram_slot *slot = file->private_data;', 'static int kshram_mmap(struct file *file, struct vm_area_struct *vma)\n{\n\tstruct kshram_slot *slot = vma->vm_private_data;']],
    statuses: failsAt(5),
    evidence: /^Kernel Oops in mutex_lock\+0x[0-9a-f]+\/0x[0-9a-f]+ \(called from kshram_mmap\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]\): BUG: kernel NULL pointer dereference, address: [0-9a-f]+ \(during check_msg\)\n/,
    crash: 'oops',
    crashAt: { function: 'kshram_mmap', lines: ['mutex_lock(&slot->lock);'] },
  },
  {
    name: 'seven-devices',
    description: 'creates only /dev/kshram0..6',
    edits: [['for (i = 0; i < KSHRAM_SLOTS; i++) {\n\t\tdev = device_create(', 'for (i = 0; i < KSHRAM_SLOTS - 1; i++) {\n\t\tdev = device_create(']],
    statuses: failsAt(3),
    evidence: /^\/dev\/kshram0\.\.7 did not all appear as character devices: missing \/dev\/kshram7$/m,
  },
  {
    name: 'getslots-returns-7',
    description: 'answers KSHRAM_GETSLOTS with 7',
    edits: [['return KSHRAM_SLOTS;', 'return KSHRAM_SLOTS - 1;']],
    statuses: failsAt(6),
    evidence: /^check_resize exited with status 1: FAILED: kshram0 slots 7 incorrect, expected 8\n/,
  },
  {
    name: 'getsize-stale-after-resize',
    description: 'resizes the buffer but keeps reporting the old size',
    edits: [['\tslot->buf = buf;\n\tslot->size = size;\n', '\tslot->buf = buf;\n']],
    statuses: failsAt(6),
    evidence: /^check_resize exited with status 1: FAILED: kshram0 size 4096 incorrect, expected 1052672\n/,
  },
  {
    name: 'mmap-always-slot-0',
    description: 'maps slot 0 whichever device is mapped',
    edits: [['static int kshram_mmap(struct file *file, struct vm_area_struct *vma)\n{\n\tstruct kshram_slot *slot = file->private_data;', 'static int kshram_mmap(struct file *file, struct vm_area_struct *vma)\n{\n\tstruct kshram_slot *slot = &kshram_slots[0];']],
    statuses: failsAt(6),
    evidence: /^check_resize exited with status 1: FAILED: mmap \/dev\/kshram1: Invalid argument\n/,
  },
  {
    name: 'crashes-on-unload',
    description: 'scrubs slot 0 after freeing it (NULL dereference in exit)',
    edits: [['\tkshram_free_slots();\n\tpr_info("unloaded\\n");', '\tkshram_free_slots();\n\tmemset(kshram_slots[0].buf, 0, kshram_slots[0].size);\n\tpr_info("unloaded\\n");']],
    statuses: failsAt(4),
    evidence: /^Kernel Oops in kshram_exit\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: BUG: kernel NULL pointer dereference, address: 0000000000000000 \(during rmmod kshram\)\n/,
    crash: 'oops',
    crashAt: { function: 'kshram_exit', lines: ['memset(kshram_slots[0].buf, 0, kshram_slots[0].size);'] },
  },
  {
    name: 'refuses-to-unload',
    description: 'has no module_exit(), so the kernel refuses to unload it',
    edits: [['module_exit(kshram_exit);\n', '']],
    statuses: failsAt(4),
    evidence: /^rmmod kshram failed \(exit 1\): rmmod: can't unload module 'kshram': Device or resource busy: the module did not unload\n/,
  },
  {
    name: 'resets-machine',
    description: 'resets the machine in KSHRAM_GETSIZE, so QEMU exits without a kernel report',
    edits: [
      ['#include <linux/cdev.h>\n', '#include <linux/cdev.h>\n#include <linux/reboot.h>\n'],
      ['\t\treturn kshram_get_size(slot);', '\t\temergency_restart();\n\t\treturn kshram_get_size(slot);'],
    ],
    statuses: failsAt(5),
    evidence: /^QEMU exited unexpectedly \(status 0\) during check_msg: the guest reset or powered off\n[\s\S]*--- console \(last lines\) ---/,
  },
  // Beyond the list: mistakes students make that the course's checks catch.
  {
    name: 'setsize-ignored',
    description: 'accepts KSHRAM_SETSIZE but never resizes',
    edits: [['\t\treturn kshram_set_size(slot, arg);', '\t\treturn 0;']],
    statuses: failsAt(6),
    evidence: /^check_resize exited with status 1: FAILED: kshram0 size 4096 incorrect, expected 1052672\n/,
  },
  {
    name: 'no-proc-entry',
    description: 'never creates /proc/kshram',
    edits: [['\tif (!proc_create_single("kshram", 0444, NULL, kshram_proc_show)) {\n\t\tret = -ENOMEM;\n\t\tgoto err_destroy_devices;\n\t}\n', '']],
    statuses: failsAt(6),
    evidence: /^check_resize exited with status 1: FAILED: open \/proc\/kshram: No such file or directory\n/,
    notes: [/^item 3: \/proc\/kshram does not list 8 slots of 4096 .*No such file or directory/, /^kernel warning: WARNING: .* remove_proc_entry\+.* \(your code: kshram\.c:\d+ `remove_proc_entry\("kshram", NULL\);` in kshram_exit\)$/],
  },
  {
    name: 'nine-devices',
    description: 'creates /dev/kshram0..8',
    edits: [['for (i = 0; i < KSHRAM_SLOTS; i++) {\n\t\tdev = device_create(', 'for (i = 0; i <= KSHRAM_SLOTS; i++) {\n\t\tdev = device_create(']],
    statuses: failsAt(3),
    evidence: /^\/dev\/kshram0\.\.7 appeared, and also \/dev\/kshram8: the lab asks for exactly 8 devices$/m,
  },
  {
    name: 'wrong-device-names',
    description: 'names its devices /dev/kshram_0..7',
    edits: [['"kshram%d", i);', '"kshram_%d", i);']],
    statuses: failsAt(3),
    evidence: /^\/dev\/kshram0\.\.7 did not all appear as character devices: missing \/dev\/kshram0, .*\/dev\/kshram7; new in \/dev instead: \/dev\/kshram_0, .*\/dev\/kshram_7$/m,
  },
  {
    name: 'leaves-device-nodes',
    description: 'forgets device_destroy() on unload, so the reload fails',
    edits: [['\tkshram_destroy_devices(KSHRAM_SLOTS);\n\tclass_destroy(kshram_class);\n\tcdev_del', '\tclass_destroy(kshram_class);\n\tcdev_del']],
    statuses: failsAt(5),
    evidence: /^insmod kshram\.ko failed \(exit 17\): insmod: can't insert '\/lib\/kshram\/kshram\.ko': File exists; unload test #1 left 8 \/dev\/kshram\* nodes behind\n[\s\S]*sysfs: cannot create duplicate filename/,
    notes: [/^unload test #1: 8 \/dev\/kshram\* node\(s\) left after unload \(device_destroy missing\?\)$/],
  },
  {
    name: 'proc-entry-left',
    description: 'forgets remove_proc_entry() on unload, so the reload fails',
    edits: [['static void __exit kshram_exit(void)\n{\n\tremove_proc_entry("kshram", NULL);\n', 'static void __exit kshram_exit(void)\n{\n']],
    statuses: failsAt(5),
    evidence: /^insmod kshram\.ko failed \(exit 12\): insmod: can't insert '\/lib\/kshram\/kshram\.ko': Cannot allocate memory; unload test #1 left \/proc\/kshram behind\n[\s\S]*proc_dir_entry '\/proc\/kshram' already registered/,
    notes: [/^unload test #1: \/proc\/kshram left after unload \(remove_proc_entry missing\?\)$/, /^kernel warning \(2 times\): WARNING: CPU: \d+ PID: \d+ at fs\/proc\/generic\.c:\d+ proc_register\+.* \(your code: kshram\.c:\d+ `if \(!proc_create_single\("kshram", 0444, NULL, kshram_proc_show\)\) \{` in kshram_init\)$/],
  },
  {
    name: 'chrdev-region-left',
    description: 'forgets unregister_chrdev_region() on unload: harmless to the checks, noted',
    edits: [['\tcdev_del(&kshram_cdev);\n\tunregister_chrdev_region(kshram_devt, KSHRAM_SLOTS);\n\tkshram_free_slots();\n\tpr_info("unloaded', '\tcdev_del(&kshram_cdev);\n\tkshram_free_slots();\n\tpr_info("unloaded']],
    statuses: PASS_ALL,
    evidence: /^kshram unloaded; the system is still running$/m,
    evidenceItem: 4,
    notes: [/^unload test #1: the kshram character device numbers are still registered/, /^unload test #2: the kshram character device numbers are still registered/],
  },
  {
    name: 'oops-on-second-load',
    description: 'forgets class_destroy() and does not check class_create(), so the second load oopses',
    edits: [
      ['\tclass_destroy(kshram_class);\n\tcdev_del(&kshram_cdev);\n\tunregister_chrdev_region', '\tcdev_del(&kshram_cdev);\n\tunregister_chrdev_region'],
      ['\tif (IS_ERR(kshram_class)) {\n\t\tret = PTR_ERR(kshram_class);\n\t\tgoto err_del_cdev;\n\t}\n', ''],
    ],
    statuses: failsAt(5),
    evidence: /^Kernel Oops in kshram_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]: BUG: kernel NULL pointer dereference, address: 000000000000001f \(during insmod \/lib\/kshram\/kshram\.ko\); unload test #1 left the kshram device class behind\n[\s\S]*sysfs: cannot create duplicate filename '\/class\/kshram'/,
    crash: 'oops',
    crashAt: { function: 'kshram_init', lines: ['kshram_class->devnode ='] },
    notes: [/^unload test #1: the kshram device class left after unload \(class_destroy missing\?\)$/],
  },
  {
    name: 'rmmod-hangs',
    description: 'locks slot 0 once per slot on unload, deadlocking rmmod',
    edits: [[EXIT_START, `${EXIT_START}\tint i;\n\n\tfor (i = 0; i < KSHRAM_SLOTS; i++)\n\t\tmutex_lock(&kshram_slots[0].lock);\n`]],
    statuses: failsAt(4),
    evidence: /^rmmod kshram did not finish within 15 s and SIGKILL could not stop it: rmmod is stuck in the kernel in kshram_exit\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kshram\]\n[\s\S]*--- stuck in the kernel ---\nrmmod \(pid \d+, D \(disk sleep\)\) in kshram_exit\+/,
  },
  // Wrong in ways the course's checks do not test: full marks, and notes from kshram_tap.
  {
    name: 'mmap-unbounded',
    description: 'maps whatever range is asked, past the end of the slot',
    edits: [['\tif (pages > slot_pages || vma->vm_pgoff > slot_pages - pages) {\n\t\tret = -EINVAL;\n\t\tgoto out;\n\t}\n', '']],
    statuses: PASS_ALL,
    evidence: /^check_fork passed$/m,
    evidenceItem: 7,
    notes: [/: not ok: mapping 2 pages of a 1-page slot fails with EINVAL$/, /: not ok: mapping past the end with an offset fails with EINVAL$/, /: not ok: one page beyond PAGE_ALIGN\(size\) fails with EINVAL$/],
  },
  {
    name: 'setsize-unchecked',
    description: 'accepts any size in KSHRAM_SETSIZE, 0 included',
    edits: [[SET_SIZE_CHECK, '']],
    statuses: PASS_ALL,
    evidence: /^check_resize passed$/m,
    evidenceItem: 6,
    notes: [/: not ok: SETSIZE 0 fails with EINVAL$/, /: not ok: SETSIZE 64 MiB fails with EINVAL$/, /: not ok: a refused SETSIZE leaves the size alone$/],
  },
  {
    name: 'tail-not-zeroed',
    description: 'does not zero what krealloc() hands back, so old bytes reappear after a shrink and a grow',
    edits: [['\t/* krealloc() may reuse slack that still holds old bytes */\n\tmemset(buf + keep, 0, alloc_size - keep);\n', '']],
    statuses: PASS_ALL,
    evidence: /^check_resize passed$/m,
    evidenceItem: 6,
    notes: [/: not ok: bytes beyond a shrunk size come back as zeroes$/],
  },
  {
    name: 'zero-on-open',
    description: 'clears the slot on every open(), so a message never outlives the program that wrote it',
    edits: [['\tfile->private_data = &kshram_slots[iminor(inode)];\n', '\tfile->private_data = &kshram_slots[iminor(inode)];\n\tmemset(kshram_slots[iminor(inode)].buf, 0, kshram_slots[iminor(inode)].size);\n']],
    statuses: failsAt(5),
    evidence: /^the first run's message was gone when check_msg ran again \(slot 0 did not keep it\)\n/,
  },
  {
    name: 'slow-init',
    description: 'sleeps 3 s in init: slow, but correct',
    edits: [
      ['#include <linux/cdev.h>\n', '#include <linux/cdev.h>\n#include <linux/delay.h>\n'],
      ['\tpr_info("%d slots of %d bytes ready\\n"', '\tmsleep(3000);\n\tpr_info("%d slots of %d bytes ready\\n"'],
    ],
    statuses: PASS_ALL,
    evidence: /^\/dev\/kshram0\.\.7 created$/m,
    evidenceItem: 3,
  },
];

/** The variant's kshram.c: the reference with the variant's edits applied. */
export async function variantSource(variant: Variant): Promise<string> {
  let source = await readFile(join(moduleDir, 'kshram.c'), 'utf8');
  for (const [from, to] of variant.edits) {
    if (!source.includes(from)) throw new Error(`variant ${variant.name}: the reference no longer contains ${JSON.stringify(from)}`);
    source = source.replace(from, to);
  }
  return source;
}

/** Writes the variant's kshram.c (and the seed's kshram.h) into `dir`. */
export async function writeVariant(variant: Variant, dir: string): Promise<string> {
  const source = await variantSource(variant);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kshram.c'), source);
  await writeFile(join(dir, 'kshram.h'), await readFile(join(moduleDir, 'kshram.h')));
  return dir;
}
