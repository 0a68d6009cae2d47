// SPDX-License-Identifier: GPL-2.0
/*
 * kshram_stress - random operations on the kshram slots from several
 * processes at once, every byte whose value is known checked.
 *
 *   kshram_stress [-p PROCS] [-s SECONDS] [-r SEED]
 *
 * Each process picks a random slot, takes the slot's flock (so the slot's
 * content stays predictable) and does one of: verify it through mmap,
 * resize it (bytes kept up to the smaller size, zeros after), map a
 * random page range, fork a child that checks the mapping and is refused
 * a resize (EBUSY), or split a mapping with a partial munmap.  Between
 * operations it queries sizes of slots other processes are changing.
 * The expected content of every slot lives in a shared anonymous mapping.
 *
 * Prints "kshram_stress: ok ..." and exits 0, or "FAILED: ..." and 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kshram.h"

#define NSLOTS		8
#define PAGE		4096UL
#define MAX_SIZE	(4UL << 20)	/* KMALLOC_MAX_SIZE on x86-64 */
#define BIG_SIZE	((1UL << 20) + 3 * PAGE)
#define DEFAULT_PROCS	4
#define DEFAULT_SECONDS	10

/* what a slot holds: pattern(gen) below pattern_len, zeros after */
struct slot_state {
	size_t size;
	size_t pattern_len;
	unsigned int gen;
	unsigned long ops;
};

struct shared {
	struct slot_state slots[NSLOTS];
	unsigned long bytes_checked;
	unsigned long ops;
	unsigned long ebusy;
	int failed;
};

static struct shared *shared;
static int fds[NSLOTS];
static unsigned int rng;
static int proc_id;

static unsigned int rnd(unsigned int n)
{
	/* xorshift32: reproducible from the seed printed at start */
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : rng;
}

static unsigned char pattern(int slot, unsigned int gen, size_t off)
{
	return (unsigned char)(off * 131 + (off >> 9) + gen * 7 + slot * 29 + 1);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAILED: process %d: %s\n", proc_id, msg);
	fflush(stdout);
	shared->failed = 1;
	_exit(1);
}

static size_t page_align(size_t size)
{
	return (size + PAGE - 1) & ~(PAGE - 1);
}

static long get_size(int slot)
{
	return ioctl(fds[slot], KSHRAM_GETSIZE);
}

static size_t random_size(void)
{
	switch (rnd(8)) {
	case 0:
		return BIG_SIZE + rnd(64) * PAGE;
	case 1:
		return 1 + rnd(PAGE);
	default:
		return 1 + rnd(6 * PAGE);
	}
}

/* checks len bytes at mem, which show the slot from byte offset start */
static void verify(int slot, const unsigned char *mem, size_t start, size_t len, const char *when)
{
	const struct slot_state *st = &shared->slots[slot];
	size_t i;

	for (i = 0; i < len; i++) {
		size_t off = start + i;
		unsigned char want = off < st->pattern_len ? pattern(slot, st->gen, off) : 0;

		if (mem[i] != want)
			fail("kshram%d %s: byte %zu is 0x%02x, expected 0x%02x (size %zu, pattern up to %zu)",
			     slot, when, off, mem[i], want, st->size, st->pattern_len);
	}
	__atomic_add_fetch(&shared->bytes_checked, len, __ATOMIC_RELAXED);
}

static unsigned char *map(int slot, size_t pages, size_t pgoff)
{
	void *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[slot], (off_t)(pgoff * PAGE));

	if (mem == MAP_FAILED)
		fail("kshram%d: mmap of %zu pages at page %zu failed: %s", slot, pages, pgoff, strerror(errno));
	return mem;
}

static void unmap(void *mem, size_t pages)
{
	if (munmap(mem, pages * PAGE))
		fail("munmap failed: %s", strerror(errno));
}

static void op_verify(int slot)
{
	size_t pages = page_align(shared->slots[slot].size) / PAGE;
	unsigned char *mem = map(slot, pages, 0);

	verify(slot, mem, 0, pages * PAGE, "read back");
	unmap(mem, pages);
}

/* a new generation of the pattern over the whole size, zeros after it */
static void op_write(int slot)
{
	struct slot_state *st = &shared->slots[slot];
	size_t pages = page_align(st->size) / PAGE;
	unsigned char *mem = map(slot, pages, 0);
	size_t off;

	verify(slot, mem, 0, pages * PAGE, "before rewrite");
	st->gen++;
	for (off = 0; off < st->size; off++)
		mem[off] = pattern(slot, st->gen, off);
	st->pattern_len = st->size;
	unmap(mem, pages);
}

static void op_resize(int slot)
{
	struct slot_state *st = &shared->slots[slot];
	size_t size = random_size();

	if (ioctl(fds[slot], KSHRAM_SETSIZE, (unsigned long)size) < 0) {
		/* a large contiguous block may be unavailable: nothing changes */
		if (errno != ENOMEM)
			fail("kshram%d: SETSIZE %zu failed: %s", slot, size, strerror(errno));
	} else {
		st->size = size;
		if (st->pattern_len > size)
			st->pattern_len = size;
	}
	if (get_size(slot) != (long)st->size)
		fail("kshram%d: GETSIZE says %ld after SETSIZE %zu", slot, get_size(slot), st->size);
	op_verify(slot);
}

static void op_partial_map(int slot)
{
	size_t pages = page_align(shared->slots[slot].size) / PAGE;
	size_t pgoff = rnd(pages);
	size_t count = 1 + rnd(pages - pgoff);
	unsigned char *mem = map(slot, count, pgoff);
	void *beyond;

	verify(slot, mem, pgoff * PAGE, count * PAGE, "partial mapping");
	unmap(mem, count);
	/* one page more than the slot has must be refused */
	beyond = mmap(NULL, (pages + 1) * PAGE, PROT_READ, MAP_SHARED, fds[slot], 0);
	if (beyond != MAP_FAILED)
		fail("kshram%d: mapping %zu pages of a %zu-page slot succeeded", slot, pages + 1, pages);
}

static void op_fork(int slot)
{
	size_t pages = page_align(shared->slots[slot].size) / PAGE;
	unsigned char *mem = map(slot, pages, 0);
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork failed: %s", strerror(errno));
	if (pid == 0) {
		/* the child shares the mapping: resizing must be refused */
		if (ioctl(fds[slot], KSHRAM_SETSIZE, (unsigned long)random_size()) == 0)
			fail("kshram%d: SETSIZE while mapped (by parent and child) succeeded", slot);
		if (errno != EBUSY)
			fail("kshram%d: SETSIZE while mapped failed with %s, expected EBUSY", slot, strerror(errno));
		__atomic_add_fetch(&shared->ebusy, 1, __ATOMIC_RELAXED);
		verify(slot, mem, 0, pages * PAGE, "in a forked child");
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("kshram%d: the forked child failed", slot);
	unmap(mem, pages);
}

static void op_split(int slot)
{
	size_t pages = page_align(shared->slots[slot].size) / PAGE;
	unsigned char *mem;

	if (pages < 3) {
		op_verify(slot);
		return;
	}
	mem = map(slot, pages, 0);
	/* unmapping the middle page leaves two VMAs of one mapping */
	unmap(mem + PAGE, 1);
	if (ioctl(fds[slot], KSHRAM_SETSIZE, (unsigned long)PAGE) == 0 || errno != EBUSY)
		fail("kshram%d: SETSIZE with a split mapping left was not refused with EBUSY", slot);
	verify(slot, mem, 0, PAGE, "first part of a split mapping");
	verify(slot, mem + 2 * PAGE, 2 * PAGE, (pages - 2) * PAGE, "last part of a split mapping");
	unmap(mem, 1);
	unmap(mem + 2 * PAGE, pages - 2);
}

/* sizes of slots other processes change: any value in range will do */
static void peek_sizes(void)
{
	int slot = rnd(NSLOTS);
	long size = get_size(slot);

	if (size <= 0 || (unsigned long)size > MAX_SIZE)
		fail("kshram%d: GETSIZE returned %ld", slot, size);
}

static void worker(time_t until)
{
	while (time(NULL) < until && !shared->failed) {
		int slot = rnd(NSLOTS);

		peek_sizes();
		if (flock(fds[slot], LOCK_EX))
			fail("flock: %s", strerror(errno));
		if (get_size(slot) != (long)shared->slots[slot].size)
			fail("kshram%d: GETSIZE says %ld, last set %zu", slot, get_size(slot), shared->slots[slot].size);
		switch (rnd(6)) {
		case 0:
			op_verify(slot);
			break;
		case 1:
			op_write(slot);
			break;
		case 2:
			op_resize(slot);
			break;
		case 3:
			op_partial_map(slot);
			break;
		case 4:
			op_fork(slot);
			break;
		default:
			op_split(slot);
			break;
		}
		shared->slots[slot].ops++;
		flock(fds[slot], LOCK_UN);
		__atomic_add_fetch(&shared->ops, 1, __ATOMIC_RELAXED);
	}
}

/* every slot gets a known content before the workers start */
static void initialise(void)
{
	int slot;

	for (slot = 0; slot < NSLOTS; slot++) {
		struct slot_state *st = &shared->slots[slot];
		long size = get_size(slot);
		size_t pages;
		unsigned char *mem;

		if (size <= 0)
			fail("kshram%d: GETSIZE returned %ld", slot, size);
		st->size = (size_t)size;
		pages = page_align(st->size) / PAGE;
		mem = map(slot, pages, 0);
		st->gen = 1;
		st->pattern_len = st->size;
		for (size_t off = 0; off < pages * PAGE; off++)
			mem[off] = off < st->size ? pattern(slot, st->gen, off) : 0;
		unmap(mem, pages);
	}
}

int main(int argc, char **argv)
{
	int procs = DEFAULT_PROCS, seconds = DEFAULT_SECONDS, opt, i, bad = 0;
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	time_t until;

	while ((opt = getopt(argc, argv, "p:s:r:")) != -1) {
		switch (opt) {
		case 'p':
			procs = atoi(optarg);
			break;
		case 's':
			seconds = atoi(optarg);
			break;
		case 'r':
			seed = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-p PROCS] [-s SECONDS] [-r SEED]\n", argv[0]);
			return 2;
		}
	}
	if (procs < 1 || seconds < 1 || !seed) {
		fprintf(stderr, "PROCS and SECONDS must be positive, SEED non-zero\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < NSLOTS; i++) {
		char dev[32];

		snprintf(dev, sizeof(dev), "/dev/kshram%d", i);
		fds[i] = open(dev, O_RDWR);
		if (fds[i] < 0) {
			printf("FAILED: open %s: %s\n", dev, strerror(errno));
			return 1;
		}
	}
	printf("kshram_stress: %d processes, %d s, seed %u\n", procs, seconds, seed);
	rng = seed;
	initialise();
	until = time(NULL) + seconds;
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int slot;

			proc_id = i + 1;
			rng = seed * 2654435761u + (unsigned int)proc_id;
			/* flock is per open file: each worker needs its own */
			for (slot = 0; slot < NSLOTS; slot++) {
				char dev[32];

				close(fds[slot]);
				snprintf(dev, sizeof(dev), "/dev/kshram%d", slot);
				fds[slot] = open(dev, O_RDWR);
				if (fds[slot] < 0)
					fail("open %s: %s", dev, strerror(errno));
			}
			worker(until);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	for (i = 0; i < NSLOTS; i++)
		op_verify(i);
	if (bad || shared->failed) {
		printf("FAILED: a worker failed (see above)\n");
		return 1;
	}
	printf("kshram_stress: ok, %lu operations, %lu EBUSY refusals, %lu bytes verified\n",
	       shared->ops, shared->ebusy, shared->bytes_checked);
	return 0;
}
