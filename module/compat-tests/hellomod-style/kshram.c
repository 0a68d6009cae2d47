// SPDX-License-Identifier: GPL-2.0
/*
 * kshram, written the way a student starts from the course's hellomod on
 * Linux 6.2.6: a class with a devnode callback that takes a const device,
 * the two-argument class_create(), a proc_ops entry, per-open private data
 * and vma->vm_flags written directly in mmap.  Compat corpus of kshram lab:
 * it must build and grade unchanged on every kit.
 */
#include <linux/module.h>	/* Needed by all modules */
#include <linux/kernel.h>	/* Needed for KERN_INFO */
#include <linux/init.h>		/* Needed for the macros */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "kshram.h"

#define NSLOTS 8
#define DEFAULT_SIZE 4096

struct kshram_mem {
	char *data;
	unsigned long size;
};

struct kshram_priv {
	int idx;
};

static dev_t devnum;
static struct cdev c_dev;
static struct class *clazz;
static struct kshram_mem mems[NSLOTS];
static DEFINE_MUTEX(kshram_lock);

/* page reservation keeps the buffer out of reclaim while user space maps it */
static void reserve_pages(char *data, unsigned long size, int reserve)
{
	unsigned long off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		if (reserve)
			SetPageReserved(virt_to_page(data + off));
		else
			ClearPageReserved(virt_to_page(data + off));
	}
}

static int kshram_dev_open(struct inode *i, struct file *f)
{
	struct kshram_priv *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->idx = iminor(i) - MINOR(devnum);
	f->private_data = priv;
	return 0;
}

static int kshram_dev_close(struct inode *i, struct file *f)
{
	kfree(f->private_data);
	f->private_data = NULL;
	return 0;
}

static long kshram_dev_ioctl(struct file *fp, unsigned int cmd, unsigned long arg)
{
	struct kshram_priv *priv = fp->private_data;
	struct kshram_mem *m = &mems[priv->idx];
	char *newdata;
	long ret;

	switch (cmd) {
	case KSHRAM_GETSLOTS:
		return NSLOTS;
	case KSHRAM_GETSIZE:
		mutex_lock(&kshram_lock);
		ret = m->size;
		mutex_unlock(&kshram_lock);
		return ret;
	case KSHRAM_SETSIZE:
		if (arg == 0 || arg > KMALLOC_MAX_SIZE)
			return -EINVAL;
		mutex_lock(&kshram_lock);
		reserve_pages(m->data, m->size, 0);
		newdata = krealloc(m->data, PAGE_ALIGN(arg), GFP_KERNEL | __GFP_ZERO);
		if (!newdata) {
			reserve_pages(m->data, m->size, 1);
			mutex_unlock(&kshram_lock);
			return -ENOMEM;
		}
		m->data = newdata;
		m->size = arg;
		reserve_pages(m->data, m->size, 1);
		mutex_unlock(&kshram_lock);
		return 0;
	}
	return -EINVAL;
}

static int kshram_dev_mmap(struct file *fp, struct vm_area_struct *vma)
{
	struct kshram_priv *priv = fp->private_data;
	struct kshram_mem *m = &mems[priv->idx];
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pfn;
	int ret;

	mutex_lock(&kshram_lock);
	if (len > PAGE_ALIGN(m->size)) {
		mutex_unlock(&kshram_lock);
		return -EINVAL;
	}
	vma->vm_flags |= VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	pfn = page_to_pfn(virt_to_page(m->data));
	ret = remap_pfn_range(vma, vma->vm_start, pfn, len, vma->vm_page_prot);
	mutex_unlock(&kshram_lock);
	if (ret)
		return -EAGAIN;
	return 0;
}

static const struct file_operations kshram_dev_fops = {
	.owner = THIS_MODULE,
	.open = kshram_dev_open,
	.release = kshram_dev_close,
	.unlocked_ioctl = kshram_dev_ioctl,
	.mmap = kshram_dev_mmap,
	.llseek = no_llseek,
};

static int kshram_proc_read(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&kshram_lock);
	for (i = 0; i < NSLOTS; i++)
		seq_printf(m, "%02d: %lu\n", i, mems[i].size);
	mutex_unlock(&kshram_lock);
	return 0;
}

static int kshram_proc_open(struct inode *inode, struct file *file)
{
	return single_open(file, kshram_proc_read, NULL);
}

static const struct proc_ops kshram_proc_fops = {
	.proc_open = kshram_proc_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static char *kshram_devnode(const struct device *dev, umode_t *mode)
{
	if (mode == NULL)
		return NULL;
	*mode = 0666;
	return NULL;
}

static void free_mems(void)
{
	int i;

	for (i = 0; i < NSLOTS; i++) {
		if (!mems[i].data)
			continue;
		reserve_pages(mems[i].data, mems[i].size, 0);
		kfree(mems[i].data);
		mems[i].data = NULL;
	}
}

static int __init kshram_init(void)
{
	int i;

	for (i = 0; i < NSLOTS; i++) {
		mems[i].data = kzalloc(DEFAULT_SIZE, GFP_KERNEL);
		if (!mems[i].data)
			goto release_mem;
		mems[i].size = DEFAULT_SIZE;
		reserve_pages(mems[i].data, mems[i].size, 1);
	}

	// create char dev
	if (alloc_chrdev_region(&devnum, 0, NSLOTS, "updev") < 0)
		goto release_mem;
	clazz = class_create(THIS_MODULE, "upclass");
	if (IS_ERR(clazz))
		goto release_region;
	clazz->devnode = kshram_devnode;
	for (i = 0; i < NSLOTS; i++) {
		if (IS_ERR(device_create(clazz, NULL, MKDEV(MAJOR(devnum), MINOR(devnum) + i), NULL, "kshram%d", i)))
			goto release_devices;
	}
	cdev_init(&c_dev, &kshram_dev_fops);
	if (cdev_add(&c_dev, devnum, NSLOTS) == -1)
		goto release_devices;

	// create proc
	proc_create("kshram", 0, NULL, &kshram_proc_fops);

	printk(KERN_INFO "kshram: initialized.\n");
	return 0;	// Non-zero return means that the module couldn't be loaded.

release_devices:
	while (--i >= 0)
		device_destroy(clazz, MKDEV(MAJOR(devnum), MINOR(devnum) + i));
	class_destroy(clazz);
release_region:
	unregister_chrdev_region(devnum, NSLOTS);
release_mem:
	free_mems();
	return -1;
}

static void __exit kshram_cleanup(void)
{
	int i;

	remove_proc_entry("kshram", NULL);

	cdev_del(&c_dev);
	for (i = 0; i < NSLOTS; i++)
		device_destroy(clazz, MKDEV(MAJOR(devnum), MINOR(devnum) + i));
	class_destroy(clazz);
	unregister_chrdev_region(devnum, NSLOTS);

	free_mems();
	printk(KERN_INFO "kshram: cleaned up.\n");
}

module_init(kshram_init);
module_exit(kshram_cleanup);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kshram lab compat corpus");
MODULE_DESCRIPTION("kshram in the hellomod style of Linux 6.2");
