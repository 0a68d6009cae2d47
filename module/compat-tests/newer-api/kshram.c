// SPDX-License-Identifier: GPL-2.0
/*
 * kshram as a student reading today's kernel documentation writes it:
 * class_create(name) (6.4+), vm_flags_set() (6.3+), a const devnode
 * (6.2+), strlcpy() for the device label and a pr_fmt prefix defined
 * before the includes.  None of it is the course kernel's 6.2 spelling
 * everywhere, so the build notes must say what 6.2 needs.  Compat corpus
 * of kshram lab.
 */
#define pr_fmt(fmt) "kshram: " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kshram.h"

#define KSHRAM_NR	8
#define KSHRAM_INIT	4096

struct kshram_dev {
	char label[16];
	struct mutex lock;
	void *buf;
	size_t len;
};

static struct kshram_dev kdevs[KSHRAM_NR];
static struct class *kclass;
static int kmajor;

static int kshram_open(struct inode *inode, struct file *file)
{
	file->private_data = &kdevs[iminor(inode)];
	return 0;
}

static long kshram_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kshram_dev *d = file->private_data;
	void *buf;

	switch (cmd) {
	case KSHRAM_GETSLOTS:
		return KSHRAM_NR;
	case KSHRAM_GETSIZE:
		return d->len;
	case KSHRAM_SETSIZE:
		if (!arg || arg > KMALLOC_MAX_SIZE)
			return -EINVAL;
		mutex_lock(&d->lock);
		buf = krealloc(d->buf, arg, GFP_KERNEL | __GFP_ZERO);
		if (buf) {
			d->buf = buf;
			d->len = arg;
		}
		mutex_unlock(&d->lock);
		return buf ? 0 : -ENOMEM;
	default:
		return -ENOTTY;
	}
}

static int kshram_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kshram_dev *d = file->private_data;
	size_t size = vma->vm_end - vma->vm_start;

	if (size > PAGE_ALIGN(d->len))
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(virt_to_page(d->buf)), size,
			       vma->vm_page_prot);
}

static const struct file_operations kshram_fops = {
	.owner = THIS_MODULE,
	.open = kshram_open,
	.unlocked_ioctl = kshram_ioctl,
	.mmap = kshram_mmap,
};

static int kshram_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KSHRAM_NR; i++)
		seq_printf(m, "%02d: %zu\n", i, kdevs[i].len);
	return 0;
}

static char *kshram_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return NULL;
}

static void kshram_release_all(int ndev)
{
	int i;

	for (i = 0; i < ndev; i++)
		device_destroy(kclass, MKDEV(kmajor, i));
	for (i = 0; i < KSHRAM_NR; i++)
		kfree(kdevs[i].buf);
}

static int __init kshram_init(void)
{
	int i, err;

	for (i = 0; i < KSHRAM_NR; i++) {
		mutex_init(&kdevs[i].lock);
		kdevs[i].buf = kzalloc(KSHRAM_INIT, GFP_KERNEL);
		if (!kdevs[i].buf) {
			kshram_release_all(0);
			return -ENOMEM;
		}
		kdevs[i].len = KSHRAM_INIT;
	}
	kmajor = register_chrdev(0, "kshram", &kshram_fops);
	if (kmajor < 0) {
		kshram_release_all(0);
		return kmajor;
	}
	kclass = class_create("kshram");
	if (IS_ERR(kclass)) {
		err = PTR_ERR(kclass);
		goto out_chrdev;
	}
	kclass->devnode = kshram_devnode;
	for (i = 0; i < KSHRAM_NR; i++) {
		struct device *dev;

		strlcpy(kdevs[i].label, "kshram", sizeof(kdevs[i].label));
		dev = device_create(kclass, NULL, MKDEV(kmajor, i), NULL, "%s%d",
				    kdevs[i].label, i);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			kshram_release_all(i);
			goto out_class;
		}
	}
	if (!proc_create_single("kshram", 0444, NULL, kshram_show)) {
		err = -ENOMEM;
		kshram_release_all(KSHRAM_NR);
		goto out_class;
	}
	pr_info("ready\n");
	return 0;

out_class:
	class_destroy(kclass);
out_chrdev:
	unregister_chrdev(kmajor, "kshram");
	return err;
}

static void __exit kshram_exit(void)
{
	remove_proc_entry("kshram", NULL);
	kshram_release_all(KSHRAM_NR);
	class_destroy(kclass);
	unregister_chrdev(kmajor, "kshram");
	pr_info("bye\n");
}

module_init(kshram_init);
module_exit(kshram_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kshram with the 6.4+ spellings");
