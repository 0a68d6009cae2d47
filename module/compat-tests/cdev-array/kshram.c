// SPDX-License-Identifier: GPL-2.0
/*
 * kshram with one cdev per slot, as a student might write it against the
 * Linux 6.2.6 headers of the course: container_of() finds the slot at
 * open time, mmap sets VM_DONTEXPAND | VM_DONTDUMP on vma->vm_flags and
 * maps with remap_pfn_range(), /proc/kshram is a hand-written proc_ops
 * read, and the class is created with class_create(THIS_MODULE, ...) and
 * given a const devnode.  Compat corpus of kshram lab.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kshram.h"

#define SLOT_COUNT	8
#define SLOT_SIZE	4096
#define PROC_BUF_SIZE	256

struct slot {
	struct cdev cdev;
	struct mutex lock;
	void *mem;
	size_t size;
	int minor;
};

static struct slot slots[SLOT_COUNT];
static int major;
static struct class *slot_class;

static int slot_open(struct inode *inode, struct file *filp)
{
	filp->private_data = container_of(inode->i_cdev, struct slot, cdev);
	return 0;
}

static long slot_resize(struct slot *s, size_t size)
{
	void *mem;

	if (!size)
		return -EINVAL;
	mutex_lock(&s->lock);
	mem = krealloc(s->mem, size, GFP_KERNEL);
	if (!mem) {
		mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	if (size > s->size)
		memset((char *)mem + s->size, 0, size - s->size);
	s->mem = mem;
	s->size = size;
	mutex_unlock(&s->lock);
	return 0;
}

static long slot_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct slot *s = filp->private_data;

	if (cmd == KSHRAM_GETSLOTS)
		return SLOT_COUNT;
	if (cmd == KSHRAM_GETSIZE)
		return s->size;
	if (cmd == KSHRAM_SETSIZE)
		return slot_resize(s, arg);
	return -ENOTTY;
}

static int slot_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct slot *s = filp->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	int err;

	if (vma->vm_pgoff != 0 || size > PAGE_ALIGN(s->size))
		return -EINVAL;

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	mutex_lock(&s->lock);
	err = remap_pfn_range(vma, vma->vm_start, virt_to_phys(s->mem) >> PAGE_SHIFT,
			      size, vma->vm_page_prot);
	mutex_unlock(&s->lock);
	return err;
}

static const struct file_operations slot_fops = {
	.owner		= THIS_MODULE,
	.llseek		= no_llseek,
	.open		= slot_open,
	.unlocked_ioctl	= slot_ioctl,
	.mmap		= slot_mmap,
};

static ssize_t sizes_read(struct file *filp, char __user *buf, size_t count, loff_t *ppos)
{
	char text[PROC_BUF_SIZE];
	int len = 0;
	int i;

	for (i = 0; i < SLOT_COUNT; i++)
		len += scnprintf(text + len, sizeof(text) - len, "%02d: %zu\n", i, slots[i].size);
	return simple_read_from_buffer(buf, count, ppos, text, len);
}

static const struct proc_ops sizes_ops = {
	.proc_read	= sizes_read,
	.proc_lseek	= default_llseek,
};

static char *slot_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return NULL;
}

static void slots_cleanup(int created)
{
	int i;

	for (i = 0; i < created; i++) {
		device_destroy(slot_class, MKDEV(major, i));
		cdev_del(&slots[i].cdev);
	}
	for (i = 0; i < SLOT_COUNT; i++) {
		kfree(slots[i].mem);
		slots[i].mem = NULL;
	}
}

static int __init slots_init(void)
{
	dev_t first;
	int err, i;

	for (i = 0; i < SLOT_COUNT; i++) {
		mutex_init(&slots[i].lock);
		slots[i].mem = kzalloc(SLOT_SIZE, GFP_KERNEL);
		if (!slots[i].mem) {
			slots_cleanup(0);
			return -ENOMEM;
		}
		slots[i].size = SLOT_SIZE;
	}

	err = alloc_chrdev_region(&first, 0, SLOT_COUNT, "kshram");
	if (err) {
		slots_cleanup(0);
		return err;
	}
	major = MAJOR(first);

	slot_class = class_create(THIS_MODULE, "kshram");
	if (IS_ERR(slot_class)) {
		err = PTR_ERR(slot_class);
		goto fail_region;
	}
	slot_class->devnode = slot_devnode;

	for (i = 0; i < SLOT_COUNT; i++) {
		struct device *dev;

		slots[i].minor = i;
		cdev_init(&slots[i].cdev, &slot_fops);
		err = cdev_add(&slots[i].cdev, MKDEV(major, i), 1);
		if (err)
			goto fail_devices;
		dev = device_create(slot_class, NULL, MKDEV(major, i), NULL, "kshram%d", i);
		if (IS_ERR(dev)) {
			cdev_del(&slots[i].cdev);
			err = PTR_ERR(dev);
			goto fail_devices;
		}
	}

	if (!proc_create("kshram", 0444, NULL, &sizes_ops)) {
		err = -ENOMEM;
		goto fail_devices;
	}
	return 0;

fail_devices:
	slots_cleanup(i);
	class_destroy(slot_class);
fail_region:
	unregister_chrdev_region(MKDEV(major, 0), SLOT_COUNT);
	return err;
}

static void __exit slots_exit(void)
{
	remove_proc_entry("kshram", NULL);
	slots_cleanup(SLOT_COUNT);
	class_destroy(slot_class);
	unregister_chrdev_region(MKDEV(major, 0), SLOT_COUNT);
}

module_init(slots_init);
module_exit(slots_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kshram, one cdev per slot, written for Linux 6.2");
