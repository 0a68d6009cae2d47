// SPDX-License-Identifier: GPL-2.0
/*
 * slot-view - prints the first bytes of kshram slots for the workbench's
 * slot view, one line per slot named on the command line:
 *	slot-view SLOT:SIZE...
 *	<slot> ok <hex of up to PEEK_BYTES bytes>
 *	<slot> error <what failed>: <strerror>
 *
 * The sizes come from /proc/kshram (read by the workbench first), so the
 * module is asked nothing but open and mmap. Each slot is mapped only for
 * the moment it is read, read-only. While it works on slot N the process
 * is called "slot-view:N": if the module crashes under it, the kernel's
 * report names the slot view and the slot, not a program the student has
 * never heard of.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define SLOTS		8
#define PEEK_BYTES	32

static void peek(int slot, long size)
{
	char path[32], name[16];
	unsigned char *map;
	long i, n;
	int fd;

	snprintf(name, sizeof(name), "slot-view:%d", slot);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	snprintf(path, sizeof(path), "/dev/kshram%d", slot);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%d error open: %s\n", slot, strerror(errno));
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

int main(int argc, char **argv)
{
	int i, slot;
	long size;

	for (i = 1; i < argc; i++) {
		if (sscanf(argv[i], "%d:%ld", &slot, &size) != 2 ||
		    slot < 0 || slot >= SLOTS || size <= 0) {
			fprintf(stderr, "slot-view: bad argument %s\n", argv[i]);
			return 2;
		}
		peek(slot, size);
		fflush(stdout);
	}
	return 0;
}
