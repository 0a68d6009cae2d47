// SPDX-License-Identifier: GPL-2.0
/*
 * kshram-peek - prints the first bytes of every kshram slot for the slot
 * view, one line per slot:
 *	<slot> ok <hex of up to PEEK_BYTES bytes>
 *	<slot> error <what failed>: <strerror>
 * It maps each slot only for the moment it reads it, read-only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kshram.h"

#define SLOTS		8
#define PEEK_BYTES	32

static void peek(int slot)
{
	char path[32];
	unsigned char *map;
	long size, i, n;
	int fd;

	snprintf(path, sizeof(path), "/dev/kshram%d", slot);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%d error open: %s\n", slot, strerror(errno));
		return;
	}
	size = ioctl(fd, KSHRAM_GETSIZE, 0);
	if (size <= 0) {
		printf("%d error size: %s\n", slot,
		       size < 0 ? strerror(errno) : "zero");
		close(fd);
		return;
	}
	n = size < PEEK_BYTES ? size : PEEK_BYTES;
	map = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("%d error mmap: %s\n", slot, strerror(errno));
		close(fd);
		return;
	}
	printf("%d ok ", slot);
	for (i = 0; i < n; i++)
		printf("%02x", map[i]);
	printf("\n");
	munmap(map, n);
	close(fd);
}

int main(void)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		peek(i);
	return 0;
}
