// SPDX-License-Identifier: GPL-2.0
/*
 * kshram_tap - the module's contract beyond the three course checks, as a
 * TAP stream: error codes, resize semantics, mmap bounds, mapping counts
 * across fork and VMA splits. Run it on a freshly loaded module; it puts
 * every slot back to 4096 bytes when it is done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kshram.h"

#define SLOTS		8
#define DEFAULT_SIZE	4096
#define PAGE		4096
/* larger than any kmalloc() can give, so the module must refuse it */
#define HUGE_SIZE	(64L << 20)

static int test_number;
static int failures;

static void ok(int cond, const char *what)
{
	test_number++;
	if (cond) {
		printf("ok %d - %s\n", test_number, what);
	} else {
		failures++;
		printf("not ok %d - %s (errno %d: %s)\n", test_number, what,
		       errno, strerror(errno));
	}
	fflush(stdout);
}

static int open_slot(int slot)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/kshram%d", slot);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("Bail out! open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static long set_size(int fd, unsigned long size)
{
	return ioctl(fd, KSHRAM_SETSIZE, size);
}

static int fails_with(long ret, int err)
{
	return ret == -1 && errno == err;
}

static int all_bytes(const unsigned char *p, size_t len, unsigned char byte)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != byte)
			return 0;
	return 1;
}

static void test_ioctls(void)
{
	int fd = open_slot(0);
	int i, sizes_ok = 1;

	ok(ioctl(fd, KSHRAM_GETSLOTS) == SLOTS, "GETSLOTS returns 8");
	for (i = 0; i < SLOTS; i++) {
		int slot = open_slot(i);

		sizes_ok &= ioctl(slot, KSHRAM_GETSIZE) == DEFAULT_SIZE;
		close(slot);
	}
	ok(sizes_ok, "every slot starts at 4096 bytes");
	ok(fails_with(set_size(fd, 0), EINVAL), "SETSIZE 0 fails with EINVAL");
	ok(fails_with(set_size(fd, HUGE_SIZE), EINVAL),
	   "SETSIZE 64 MiB fails with EINVAL");
	ok(ioctl(fd, KSHRAM_GETSIZE) == DEFAULT_SIZE,
	   "a refused SETSIZE leaves the size alone");
	ok(fails_with(ioctl(fd, _IO('K', 9)), ENOTTY),
	   "an unknown command fails with ENOTTY");
	close(fd);
}

static void test_resize_keeps_data(void)
{
	int fd = open_slot(1);
	unsigned char *p;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memset(p, 0xab, PAGE);
	munmap(p, PAGE);

	ok(set_size(fd, 3 * PAGE) == 0, "SETSIZE grows 4096 -> 12288");
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p != MAP_FAILED && all_bytes(p, PAGE, 0xab) &&
	   all_bytes(p + PAGE, 2 * PAGE, 0),
	   "growing keeps the old bytes and zeroes the new tail");
	memset(p, 0xcd, 3 * PAGE);
	munmap(p, 3 * PAGE);

	ok(set_size(fd, 100) == 0 && ioctl(fd, KSHRAM_GETSIZE) == 100,
	   "SETSIZE shrinks to 100 bytes");
	ok(set_size(fd, 2 * PAGE) == 0, "SETSIZE grows 100 -> 8192");
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ok(p != MAP_FAILED && all_bytes(p, 100, 0xcd) &&
	   all_bytes(p + 100, 2 * PAGE - 100, 0),
	   "bytes beyond a shrunk size come back as zeroes");
	munmap(p, 2 * PAGE);
	close(fd);
}

static void test_mmap_bounds(void)
{
	int fd = open_slot(2);
	unsigned char *p;

	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "mapping 2 pages of a 1-page slot fails with EINVAL");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "mapping past the end with an offset fails with EINVAL");

	ok(set_size(fd, 5000) == 0 && ioctl(fd, KSHRAM_GETSIZE) == 5000,
	   "SETSIZE to a size that is not a page multiple");
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p != MAP_FAILED, "the page holding the last byte can be mapped");
	if (p != MAP_FAILED) {
		p[2 * PAGE - 1] = 0x5a;
		munmap(p, 2 * PAGE);
	}
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	ok(p != MAP_FAILED && p[PAGE - 1] == 0x5a,
	   "an offset mapping shows the slot's second page");
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED && errno == EINVAL,
	   "one page beyond PAGE_ALIGN(size) fails with EINVAL");
	close(fd);
}

static void test_busy_while_mapped(void)
{
	int fd = open_slot(3);
	unsigned char *p;
	pid_t child;
	int pipefd[2], status;
	char byte;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED, "a 1-page slot refuses a 2-page mapping");
	ok(set_size(fd, 2 * PAGE) == 0, "SETSIZE to 8192 while unmapped");
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(fails_with(set_size(fd, PAGE), EBUSY),
	   "SETSIZE while mapped fails with EBUSY");

	/* split the mapping in two VMAs; both halves must be counted */
	ok(mprotect(p, PAGE, PROT_READ) == 0, "mprotect splits the mapping");
	munmap(p, PAGE);
	ok(fails_with(set_size(fd, PAGE), EBUSY),
	   "still EBUSY while half of a split mapping remains");
	munmap(p + PAGE, PAGE);
	ok(set_size(fd, PAGE) == 0, "SETSIZE works once every VMA is gone");

	/* a child inherits the mapping: the slot stays busy until it exits */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pipe(pipefd) < 0)
		exit(1);
	child = fork();
	if (child == 0) {
		close(pipefd[1]);
		read(pipefd[0], &byte, 1);
		_exit(p[0] == 0x77 ? 0 : 1);
	}
	close(pipefd[0]);
	munmap(p, PAGE);
	ok(fails_with(set_size(fd, 2 * PAGE), EBUSY),
	   "EBUSY while a forked child still maps the slot");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p[0] = 0x77;
	munmap(p, PAGE);
	write(pipefd[1], "x", 1);
	close(pipefd[1]);
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "the child saw the parent's write through its inherited mapping");
	ok(set_size(fd, 2 * PAGE) == 0, "SETSIZE works after the child exits");
	close(fd);
}

static void test_private_and_persistence(void)
{
	int fd = open_slot(4);
	unsigned char *shared, *private;

	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy((char *)shared, "persistent");
	munmap(shared, PAGE);
	close(fd);

	fd = open_slot(4);
	shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ok(shared != MAP_FAILED && !strcmp((char *)shared, "persistent"),
	   "data survives close and reopen");
	munmap(shared, PAGE);

	private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (private != MAP_FAILED) {
		strcpy((char *)private, "private!!!");
		munmap(private, PAGE);
	}
	shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ok(!strcmp((char *)shared, "persistent"),
	   "writes to a private mapping do not reach the slot");
	munmap(shared, PAGE);
	close(fd);
}

static void test_proc_and_restore(void)
{
	char buf[512], expect[512] = "";
	int i, fd, n, restored = 1;

	for (i = 0; i < SLOTS; i++) {
		fd = open_slot(i);
		restored &= set_size(fd, DEFAULT_SIZE) == 0;
		close(fd);
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect),
			 "%02d: %d\n", i, DEFAULT_SIZE);
	}
	ok(restored, "every slot goes back to 4096 bytes");
	fd = open("/proc/kshram", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	ok(!strcmp(buf, expect), "/proc/kshram lists the 8 sizes");
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	printf("TAP version 13\n");
	test_ioctls();
	test_resize_keeps_data();
	test_mmap_bounds();
	test_busy_while_mapped();
	test_private_and_persistence();
	test_proc_and_restore();
	printf("1..%d\n", test_number);
	return failures ? 1 : 0;
}
