// SPDX-License-Identifier: GPL-2.0
/*
 * check_msg - print the message stored in /dev/kshram0 and replace it.
 *
 * Output (one item per line):
 *   check_msg: /dev/kshram0 size <n>
 *   read: <old message, non-printables and '\' as \xNN>
 *   wrote: <new message>
 *   PASSED
 * or a single "FAILED: <reason>" line and exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "kshram.h"

#define DEV		"/dev/kshram0"
#define MSG_MIN		32
#define MSG_MAX		63

static const char charset[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void fail(const char *what)
{
	printf("FAILED: %s " DEV ": %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t rng_state;

static void rng_seed(void)
{
	if (getrandom(&rng_state, sizeof(rng_state), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(rng_state))
		rng_state = (uint64_t)time(NULL) ^ (uint64_t)getpid();
}

/* splitmix64 */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Print the NUL-terminated string at buf (at most size bytes) on one line. */
static void print_escaped(const unsigned char *buf, size_t size)
{
	for (size_t i = 0; i < size && buf[i]; i++) {
		if (buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '\\')
			putchar(buf[i]);
		else
			printf("\\x%02x", buf[i]);
	}
}

int main(void)
{
	char msg[MSG_MAX + 1];
	unsigned char *mem;
	size_t len, size;
	int fd, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(DEV, O_RDWR);
	if (fd < 0)
		fail("open");
	ret = ioctl(fd, KSHRAM_GETSIZE, 0);
	if (ret < 0)
		fail("ioctl KSHRAM_GETSIZE");
	if (ret == 0) {
		printf("FAILED: " DEV " size 0 incorrect\n");
		return 1;
	}
	size = (size_t)ret;
	printf("check_msg: " DEV " size %zu\n", size);

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fail("mmap");

	printf("read: ");
	print_escaped(mem, size);
	putchar('\n');

	rng_seed();
	len = MSG_MIN + rng_next() % (MSG_MAX - MSG_MIN + 1);
	if (len > size - 1)
		len = size - 1;
	for (size_t i = 0; i < len; i++)
		msg[i] = charset[rng_next() % (sizeof(charset) - 1)];
	msg[len] = '\0';
	memcpy(mem, msg, len + 1);

	/*
	 * No msync(): the mapping is the kernel buffer itself, and MS_SYNC on
	 * a device without fsync fails with EINVAL for no fault of the module.
	 */
	printf("wrote: %s\n", msg);

	if (munmap(mem, size) < 0)
		fail("munmap");
	if (close(fd) < 0)
		fail("close");
	printf("PASSED\n");
	return 0;
}
