// SPDX-License-Identifier: GPL-2.0
/*
 * kshram - shared memories in the kernel (UP23 Lab05).
 *
 * Starter skeleton, grown from the lab's hello, world! module: it builds
 * and loads as it is, and does nothing useful yet.  Work through the TODOs;
 * each names the item of the lab's Specification (spec N) or Lab Hints
 * (hint N) it comes from.  Build, then Boot: the workbench loads
 * kshram.ko for you (untick "load kshram.ko at boot" to insmod
 * /lib/kshram/kshram.ko yourself), so try cat /proc/kshram, ls /dev,
 * check_msg, check_resize and check_fork in the terminal at once; rmmod
 * kshram unloads it.  Then Grade.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kshram.h"

#define KSHRAM_SLOTS		8
#define KSHRAM_DEFAULT_SIZE	4096

/*
 * TODO (spec 1): what a slot needs: its kernel buffer (kzalloc,
 * KSHRAM_DEFAULT_SIZE bytes to start with) and its current size.
 */
struct kshram_slot {
	void *buf;
	size_t size;
};

static struct kshram_slot kshram_slots[KSHRAM_SLOTS] __maybe_unused;
static struct cdev kshram_cdev;

static int kshram_open(struct inode *inode, struct file *file)
{
	/*
	 * TODO (hint 9): find this file's slot from iminor(inode) and keep a
	 * pointer to it in file->private_data for ioctl and mmap.
	 */
	return 0;
}

static int kshram_release(struct inode *inode, struct file *file)
{
	return 0;
}

static long kshram_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case KSHRAM_GETSLOTS:
		/* TODO (spec 4): return the number of slots, 8. */
		return -ENOSYS;
	case KSHRAM_GETSIZE:
		/* TODO (spec 4): return the size of this file's slot. */
		return -ENOSYS;
	case KSHRAM_SETSIZE:
		/*
		 * TODO (spec 4): resize this file's slot to arg bytes with
		 * krealloc(); the tests resize only slots nobody has mapped.
		 */
		return -ENOSYS;
	default:
		return -ENOTTY;
	}
}

static int kshram_mmap(struct file *file, struct vm_area_struct *vma)
{
	/*
	 * TODO (spec 5, hints 8 and 10): map the slot's buffer into the
	 * process with remap_pfn_range(); virt_to_page() and page_to_pfn()
	 * (or virt_to_phys() >> PAGE_SHIFT) give the page frame number.
	 */
	return -ENOSYS;
}

static const struct file_operations kshram_fops = {
	.owner		= THIS_MODULE,
	.open		= kshram_open,
	.release	= kshram_release,
	.unlocked_ioctl	= kshram_ioctl,
	.mmap		= kshram_mmap,
};

static int kshram_proc_show(struct seq_file *m, void *v)
{
	/* TODO (spec 3): one line per slot, "00: 4096" to "07: 4096". */
	return 0;
}

static int __init kshram_init(void)
{
	cdev_init(&kshram_cdev, &kshram_fops);
	/*
	 * TODO (spec 1, hint 6): reserve 8 device numbers
	 * (alloc_chrdev_region), add the cdev (cdev_add), create one class
	 * and /dev/kshram0..7 with device_create(), and give every slot its
	 * buffer.  If a step fails, undo the steps before it.
	 */
	if (!proc_create_single("kshram", 0444, NULL, kshram_proc_show))
		return -ENOMEM;
	pr_info("loaded\n");
	return 0;
}

static void __exit kshram_exit(void)
{
	/*
	 * TODO (spec 2): undo everything kshram_init() did, in reverse
	 * order, and kfree() every slot's buffer.
	 */
	remove_proc_entry("kshram", NULL);
	pr_info("unloaded\n");
}

module_init(kshram_init);
module_exit(kshram_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kshram: shared memory slots (UP23 Lab05)");
