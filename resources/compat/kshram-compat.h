/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshram-compat.h - lets a module written for the course's Linux 6.2 build
 * unchanged against a kit's kernel (Debian's 6.1 or 6.12).
 *
 * kshram lab force-includes this file (KCFLAGS=-include ...) ahead of the
 * module's first line.  Each shim is off unless app/build/compat.ts found
 * the construct it is for in the module's compiled code and turned it on
 * with -DKSHRAM_COMPAT_<NAME>; compat.ts also reports every shim it turns
 * on, at the module's line, with what that line needs on each kernel.  A
 * shim only adds the spelling the kit lacks, keyed on LINUX_VERSION_CODE.
 *
 * Most shims are macros that need no kernel header.  The two that must
 * follow a kernel definition include the headers first; compat.ts then
 * repeats the module's leading #defines (pr_fmt, DEBUG) before this file
 * so those headers see them as the module meant.
 */
#ifndef KSHRAM_COMPAT_H
#define KSHRAM_COMPAT_H

#include <linux/version.h>

/*
 * class_create(): (owner, name) up to 6.3, (name) from 6.4.  The
 * argument count picks the expansion.  Up to 6.3 the kernel's own
 * two-argument macro must be replaced, so it is included first; from
 * 6.4 class_create is a function, which this macro forwards to (inside
 * the expansion the name is not expanded again).
 */
#if defined(KSHRAM_COMPAT_CLASS_CREATE)
#define KSHRAM_COMPAT_THIRD(a, b, c, ...) c
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#include <linux/module.h>
#include <linux/device.h>
#undef class_create
/* like the kernel's macro: one lock class key per call site */
#define kshram_compat_class_create_owner(owner, name)			\
({									\
	static struct lock_class_key __kshram_compat_key;		\
	__class_create(owner, name, &__kshram_compat_key);		\
})
#define kshram_compat_class_create_name(name)				\
	kshram_compat_class_create_owner(THIS_MODULE, name)
#else
#define kshram_compat_class_create_owner(owner, name)			\
	((void)(owner), class_create(name))
#define kshram_compat_class_create_name(name) class_create(name)
#endif
#define class_create(...)						\
	KSHRAM_COMPAT_THIRD(__VA_ARGS__,				\
			    kshram_compat_class_create_owner,		\
			    kshram_compat_class_create_name, 0)(__VA_ARGS__)
#endif

/*
 * vm_flags: a plain member up to 6.2; from 6.3 a const one, changed only
 * through vm_flags_set() and its family.
 */
#if defined(KSHRAM_COMPAT_VM_FLAGS_HELPERS) &&				\
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define vm_flags_init(vma, flags)	((void)((vma)->vm_flags = (flags)))
#define vm_flags_reset(vma, flags)	((void)((vma)->vm_flags = (flags)))
#define vm_flags_set(vma, flags)	((void)((vma)->vm_flags |= (flags)))
#define vm_flags_clear(vma, flags)	((void)((vma)->vm_flags &= ~(flags)))
#define vm_flags_mod(vma, set, clear)					\
({									\
	struct vm_area_struct *__kshram_vma = (vma);			\
									\
	__kshram_vma->vm_flags = (__kshram_vma->vm_flags | (set)) & ~(clear); \
})
#endif

#if defined(KSHRAM_COMPAT_VM_FLAGS_WRITE) &&				\
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
/*
 * From here on the name means the writable half of the union, which holds
 * the same bits.  A module's ->mmap() runs before the new VMA is visible
 * to anyone else, so skipping vm_flags_set()'s VMA write lock there is
 * what 6.2 did.  The headers a module is likely to include come first, so
 * their own uses of the name compile as the kernel wrote them.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/io.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/device.h>
#include <linux/cdev.h>
#include <linux/slab.h>
#define vm_flags __vm_flags
#endif

/*
 * no_llseek: removed in 6.12, where a NULL .llseek means "cannot seek";
 * no_llseek itself was NULL from 6.0 on.
 */
#if defined(KSHRAM_COMPAT_NO_LLSEEK) &&					\
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define no_llseek NULL
#endif

/* strlcpy(): removed in 6.8; this keeps its contract (returns strlen(src)) */
#if defined(KSHRAM_COMPAT_STRLCPY) &&					\
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define strlcpy(dest, src, size)					\
({									\
	char *__kshram_dest = (dest);					\
	const char *__kshram_src = (src);				\
	size_t __kshram_size = (size);					\
	size_t __kshram_len = __builtin_strlen(__kshram_src);		\
									\
	if (__kshram_size) {						\
		size_t __kshram_copy = __kshram_len >= __kshram_size ?	\
			__kshram_size - 1 : __kshram_len;		\
		__builtin_memcpy(__kshram_dest, __kshram_src,		\
				 __kshram_copy);			\
		__kshram_dest[__kshram_copy] = '\0';			\
	}								\
	__kshram_len;							\
})
#endif

/*
 * kallsyms_lookup_name(): the course's kernel exports it (the lab text
 * offers it); upstream stopped exporting it in 5.7, so on the kits modpost
 * finds no such symbol.  Registering a kprobe on it yields its address.
 * The call is indirect: on a CPU with IBT it may trap, but the lab's VMs
 * (-cpu qemu64) have none.
 */
#if defined(KSHRAM_COMPAT_KALLSYMS_LOOKUP_NAME)
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
static inline unsigned long kshram_compat_kallsyms_lookup_name(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp) < 0)
			return 0;
		lookup = (unsigned long (*)(const char *))kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup(name);
}

#define kallsyms_lookup_name kshram_compat_kallsyms_lookup_name
#endif

#endif /* KSHRAM_COMPAT_H */
