// SPDX-License-Identifier: GPL-2.0
/*
 * hello - the smallest module that proves a kit can build and load modules.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init hello_init(void)
{
	pr_info("hello, world!\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye, world!\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hello, world! module of the kshram lab");
MODULE_AUTHOR("kshram lab");
