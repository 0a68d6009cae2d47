// SPDX-License-Identifier: GPL-2.0
/*
 * check_resize - resize every kshram slot, fill it with a per-slot pattern,
 * then reopen each slot, verify the pattern, clear it and check /proc/kshram.
 *
 * Output:
 *   check_resize: 8 slots
 *   kshram<i>: size <n> ok, pattern written        (pass 1, one per slot)
 *   kshram<i>: size <n> ok, pattern verified, cleared   (pass 2)
 *   /proc/kshram: 8 lines ok
 *   PASSED
 * or "FAILED: <reason>" and exit status 1. Sizes are left resized.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kshram.h"

#define NSLOTS		8
#define PROC		"/proc/kshram"

static char dev[32];

static void fail(const char *what, const char *name)
{
	printf("FAILED: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

static size_t want_size(int slot)
{
	return (1u << 20) + (size_t)(slot + 1) * 4096;
}

/* Differs between slots and between pages of one slot (no 4K aliasing). */
static unsigned char pattern(int slot, size_t off)
{
	uint32_t x = (uint32_t)off * 2654435761u ^ (uint32_t)(slot + 1) * 0x9e3779b9u;

	x ^= x >> 15;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return (unsigned char)x;
}

/* Open slot i, check GETSLOTS and GETSIZE (== want) and map it. */
static unsigned char *map_slot(int i, int *fdp, int resize)
{
	size_t want = want_size(i);
	unsigned char *mem;
	int fd, ret;

	snprintf(dev, sizeof(dev), "/dev/kshram%d", i);
	fd = open(dev, O_RDWR);
	if (fd < 0)
		fail("open", dev);
	ret = ioctl(fd, KSHRAM_GETSLOTS, 0);
	if (ret < 0)
		fail("ioctl KSHRAM_GETSLOTS", dev);
	if (ret != NSLOTS) {
		printf("FAILED: kshram%d slots %d incorrect, expected %d\n",
		       i, ret, NSLOTS);
		exit(1);
	}
	if (resize && ioctl(fd, KSHRAM_SETSIZE, (unsigned long)want) < 0)
		fail("ioctl KSHRAM_SETSIZE", dev);
	ret = ioctl(fd, KSHRAM_GETSIZE, 0);
	if (ret < 0)
		fail("ioctl KSHRAM_GETSIZE", dev);
	if ((size_t)ret != want) {
		printf("FAILED: kshram%d size %d incorrect, expected %zu\n",
		       i, ret, want);
		exit(1);
	}
	mem = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fail("mmap", dev);
	*fdp = fd;
	return mem;
}

static void unmap_slot(unsigned char *mem, int i, int fd)
{
	if (munmap(mem, want_size(i)) < 0)
		fail("munmap", dev);
	if (close(fd) < 0)
		fail("close", dev);
}

static void check_proc(void)
{
	char buf[4096], want[32], *line, *nl;
	size_t len = 0;
	ssize_t n;
	int fd, nlines = 0;

	fd = open(PROC, O_RDONLY);
	if (fd < 0)
		fail("open", PROC);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	if (n < 0)
		fail("read", PROC);
	if (close(fd) < 0)
		fail("close", PROC);
	buf[len] = '\0';

	for (line = buf; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (nlines >= NSLOTS) {
			printf("FAILED: " PROC " line %d \"%.64s\" unexpected, expected %d lines\n",
			       nlines + 1, line, NSLOTS);
			exit(1);
		}
		snprintf(want, sizeof(want), "%02d: %zu", nlines,
			 want_size(nlines));
		if (strcmp(line, want)) {
			printf("FAILED: " PROC " line %d \"%.64s\" incorrect, expected \"%s\"\n",
			       nlines + 1, line, want);
			exit(1);
		}
		nlines++;
	}
	if (nlines != NSLOTS) {
		printf("FAILED: " PROC " has %d lines, expected %d\n",
		       nlines, NSLOTS);
		exit(1);
	}
	printf(PROC ": %d lines ok\n", nlines);
}

int main(void)
{
	unsigned char *mem;
	size_t off, size;
	int i, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("check_resize: %d slots\n", NSLOTS);

	for (i = 0; i < NSLOTS; i++) {
		mem = map_slot(i, &fd, 1);
		size = want_size(i);
		for (off = 0; off < size; off++)
			mem[off] = pattern(i, off);
		unmap_slot(mem, i, fd);
		printf("kshram%d: size %zu ok, pattern written\n", i, size);
	}

	for (i = 0; i < NSLOTS; i++) {
		mem = map_slot(i, &fd, 0);
		size = want_size(i);
		for (off = 0; off < size; off++) {
			if (mem[off] != pattern(i, off)) {
				printf("FAILED: kshram%d offset %zu: mismatch, got 0x%02x expected 0x%02x\n",
				       i, off, mem[off], pattern(i, off));
				exit(1);
			}
		}
		memset(mem, 0, size);
		for (off = 0; off < size; off++) {
			/* volatile: re-read memory, don't trust the memset */
			unsigned char c = ((volatile unsigned char *)mem)[off];

			if (c) {
				printf("FAILED: kshram%d offset %zu: mismatch after clear, got 0x%02x\n",
				       i, off, c);
				exit(1);
			}
		}
		unmap_slot(mem, i, fd);
		printf("kshram%d: size %zu ok, pattern verified, cleared\n",
		       i, size);
	}

	check_proc();
	printf("PASSED\n");
	return 0;
}
