// SPDX-License-Identifier: GPL-2.0
/*
 * kshram - shared memory slots that outlive the processes using them.
 *
 * Eight character devices, /dev/kshram0 .. /dev/kshram7, each own a
 * kernel buffer that user space maps with mmap(2) and resizes with an
 * ioctl.  The buffers live until the module is unloaded, so one process
 * can leave a message for the next.  /proc/kshram lists every slot's size.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kshram.h"

#define KSHRAM_SLOTS		8
#define KSHRAM_DEFAULT_SIZE	4096
/*
 * kmalloc() hands out at most KMALLOC_MAX_SIZE physically contiguous
 * bytes, and remap_pfn_range() needs them contiguous.
 */
#define KSHRAM_MAX_SIZE		KMALLOC_MAX_SIZE

/**
 * struct kshram_slot - one shared memory slot
 * @lock:	serialises resizing against mmap and size queries
 * @buf:	kernel buffer, page aligned, PAGE_ALIGN(@size) bytes long
 * @size:	size user space asked for
 * @mappings:	live VMAs of @buf; resizing is refused while any exist
 */
struct kshram_slot {
	struct mutex lock;	/* protects buf and size */
	void *buf;
	size_t size;
	atomic_t mappings;
};

static struct kshram_slot kshram_slots[KSHRAM_SLOTS];
static dev_t kshram_devt;
static struct cdev kshram_cdev;
static struct class *kshram_class;

/*
 * Invariant 1: every buffer is page aligned and a whole number of pages,
 * since remap_pfn_range() maps whole pages. kmalloc() returns such sizes
 * page aligned (power-of-two caches up to 2 pages, the page allocator
 * beyond), so a mapping of the last page never shows a neighbour's memory.
 */
static void *kshram_realloc(void *old, size_t old_size, size_t new_size)
{
	size_t alloc_size = PAGE_ALIGN(new_size);
	size_t keep = min(old_size, new_size);
	void *buf;

	/* a failed resize is reported as -ENOMEM, not as a console splat */
	buf = krealloc(old, alloc_size, GFP_KERNEL | __GFP_NOWARN);
	if (!buf)
		return NULL;
	/* krealloc() may reuse slack that still holds old bytes */
	memset(buf + keep, 0, alloc_size - keep);
	return buf;
}

static long kshram_get_size(struct kshram_slot *slot)
{
	long size;

	mutex_lock(&slot->lock);
	size = slot->size;
	mutex_unlock(&slot->lock);
	return size;
}

static long kshram_set_size(struct kshram_slot *slot, unsigned long size)
{
	void *buf;
	long ret = 0;

	if (size == 0 || size > KSHRAM_MAX_SIZE)
		return -EINVAL;

	mutex_lock(&slot->lock);
	/*
	 * Invariant 2: a buffer is never freed while mapped. krealloc() may
	 * move it, and the pages of a live mapping would then belong to
	 * someone else; so resizing waits until every VMA is gone.
	 */
	if (atomic_read(&slot->mappings)) {
		ret = -EBUSY;
		goto out;
	}
	buf = kshram_realloc(slot->buf, slot->size, size);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	slot->buf = buf;
	slot->size = size;
out:
	mutex_unlock(&slot->lock);
	return ret;
}

/**
 * kshram_open() - bind an open file to the slot of its minor number
 * @inode: device inode
 * @file: file being opened
 *
 * Return: 0
 */
static int kshram_open(struct inode *inode, struct file *file)
{
	file->private_data = &kshram_slots[iminor(inode)];
	return 0;
}

/**
 * kshram_ioctl() - query the slots or resize the slot of @file
 * @file: an open kshram device
 * @cmd: KSHRAM_GETSLOTS, KSHRAM_GETSIZE or KSHRAM_SETSIZE
 * @arg: new size for KSHRAM_SETSIZE, passed by value
 *
 * Return: the slot count, the slot size, 0 after a resize, or -EINVAL for
 * a size of 0 or above KSHRAM_MAX_SIZE, -EBUSY while the slot is mapped,
 * -ENOMEM (slot unchanged) or -ENOTTY for unknown commands.
 */
static long kshram_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kshram_slot *slot = file->private_data;

	switch (cmd) {
	case KSHRAM_GETSLOTS:
		return KSHRAM_SLOTS;
	case KSHRAM_GETSIZE:
		return kshram_get_size(slot);
	case KSHRAM_SETSIZE:
		return kshram_set_size(slot, arg);
	default:
		return -ENOTTY;
	}
}

static void kshram_vm_open(struct vm_area_struct *vma)
{
	struct kshram_slot *slot = vma->vm_private_data;

	atomic_inc(&slot->mappings);
}

static void kshram_vm_close(struct vm_area_struct *vma)
{
	struct kshram_slot *slot = vma->vm_private_data;

	atomic_dec(&slot->mappings);
}

/* open/close keep the mapping count right across fork, split and munmap */
static const struct vm_operations_struct kshram_vm_ops = {
	.open = kshram_vm_open,
	.close = kshram_vm_close,
};

/**
 * kshram_mmap() - map the slot's buffer into user space
 * @file: an open kshram device
 * @vma: the mapping to fill
 *
 * The mapping may cover any page range inside PAGE_ALIGN(size).
 *
 * Return: 0, -EINVAL if the range reaches past the buffer, or the error
 * of remap_pfn_range().
 */
static int kshram_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kshram_slot *slot = file->private_data;
	unsigned long pages = vma_pages(vma);
	unsigned long slot_pages;
	int ret;

	mutex_lock(&slot->lock);
	slot_pages = PAGE_ALIGN(slot->size) >> PAGE_SHIFT;
	if (pages > slot_pages || vma->vm_pgoff > slot_pages - pages) {
		ret = -EINVAL;
		goto out;
	}
	/* remap_pfn_range() also marks the VMA VM_DONTEXPAND | VM_DONTDUMP */
	ret = remap_pfn_range(vma, vma->vm_start,
			      page_to_pfn(virt_to_page(slot->buf)) +
			      vma->vm_pgoff,
			      pages << PAGE_SHIFT, vma->vm_page_prot);
	if (ret)
		goto out;
	vma->vm_ops = &kshram_vm_ops;
	vma->vm_private_data = slot;
	kshram_vm_open(vma);
out:
	mutex_unlock(&slot->lock);
	return ret;
}

static const struct file_operations kshram_fops = {
	.owner = THIS_MODULE,
	.open = kshram_open,
	.unlocked_ioctl = kshram_ioctl,
	/* the only argument is a size by value, never a pointer */
	.compat_ioctl = kshram_ioctl,
	.mmap = kshram_mmap,
};

static int kshram_proc_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++)
		seq_printf(m, "%02d: %ld\n", i, kshram_get_size(&kshram_slots[i]));
	return 0;
}

/* Without udev, devtmpfs takes the node's mode from here */
static char *kshram_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0666;
	return NULL;
}

/* Before Linux 6.2 the class callback took a non-const device */
static char *kshram_devnode_nonconst(struct device *dev, umode_t *mode)
{
	return kshram_devnode(dev, mode);
}

static void kshram_free_slots(void)
{
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++) {
		kfree(kshram_slots[i].buf);
		kshram_slots[i].buf = NULL;
	}
}

static int kshram_alloc_slots(void)
{
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++) {
		struct kshram_slot *slot = &kshram_slots[i];

		mutex_init(&slot->lock);
		atomic_set(&slot->mappings, 0);
		slot->size = KSHRAM_DEFAULT_SIZE;
		slot->buf = kshram_realloc(NULL, 0, slot->size);
		if (!slot->buf) {
			kshram_free_slots();
			return -ENOMEM;
		}
	}
	return 0;
}

static void kshram_destroy_devices(int count)
{
	while (count--)
		device_destroy(kshram_class, MKDEV(MAJOR(kshram_devt), count));
}

static int kshram_create_devices(void)
{
	struct device *dev;
	int i;

	for (i = 0; i < KSHRAM_SLOTS; i++) {
		dev = device_create(kshram_class, NULL,
				    MKDEV(MAJOR(kshram_devt), i), NULL,
				    "kshram%d", i);
		if (IS_ERR(dev)) {
			kshram_destroy_devices(i);
			return PTR_ERR(dev);
		}
	}
	return 0;
}

static int __init kshram_init(void)
{
	int ret;

	ret = kshram_alloc_slots();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&kshram_devt, 0, KSHRAM_SLOTS, "kshram");
	if (ret)
		goto err_free_slots;

	cdev_init(&kshram_cdev, &kshram_fops);
	/* an open device pins the module, so rmmod cannot free what it uses */
	kshram_cdev.owner = THIS_MODULE;
	ret = cdev_add(&kshram_cdev, kshram_devt, KSHRAM_SLOTS);
	if (ret)
		goto err_unregister_region;

#ifdef class_create
	/* before Linux 6.4 a macro that also takes the owning module */
	kshram_class = class_create(THIS_MODULE, "kshram");
#else
	kshram_class = class_create("kshram");
#endif
	if (IS_ERR(kshram_class)) {
		ret = PTR_ERR(kshram_class);
		goto err_del_cdev;
	}
	/* picked by the callback's type, so backported kernels work too */
	kshram_class->devnode =
		__builtin_choose_expr(__same_type(kshram_class->devnode,
						  &kshram_devnode_nonconst),
				      kshram_devnode_nonconst, kshram_devnode);

	ret = kshram_create_devices();
	if (ret)
		goto err_destroy_class;

	if (!proc_create_single("kshram", 0444, NULL, kshram_proc_show)) {
		ret = -ENOMEM;
		goto err_destroy_devices;
	}

	pr_info("%d slots of %d bytes ready\n", KSHRAM_SLOTS,
		KSHRAM_DEFAULT_SIZE);
	return 0;

err_destroy_devices:
	kshram_destroy_devices(KSHRAM_SLOTS);
err_destroy_class:
	class_destroy(kshram_class);
err_del_cdev:
	cdev_del(&kshram_cdev);
err_unregister_region:
	unregister_chrdev_region(kshram_devt, KSHRAM_SLOTS);
err_free_slots:
	kshram_free_slots();
	return ret;
}

static void __exit kshram_exit(void)
{
	remove_proc_entry("kshram", NULL);
	kshram_destroy_devices(KSHRAM_SLOTS);
	class_destroy(kshram_class);
	cdev_del(&kshram_cdev);
	unregister_chrdev_region(kshram_devt, KSHRAM_SLOTS);
	kshram_free_slots();
	pr_info("unloaded\n");
}

module_init(kshram_init);
module_exit(kshram_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Persistent shared memory slots mapped with mmap");
MODULE_AUTHOR("kshram lab");
