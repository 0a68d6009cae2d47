// SPDX-License-Identifier: GPL-2.0
/*
 * check_fork - two children map /dev/kshram0 independently; the writer puts
 * random bytes at random offsets, the verifier checks them through its own
 * mapping. Rounds are sequential (data pipe + ack pipe). On success prints
 * "check_fork: 100 rounds over <size> bytes ok" and "PASSED", else
 * "FAILED: <reason>" line(s) and exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "kshram.h"

#define DEV		"/dev/kshram0"
#define ROUNDS		100
#define LEN_MIN		16
#define LEN_MAX		255
#define TIMEOUT		30

struct msg {
	uint32_t round, off, len;
	unsigned char data[LEN_MAX];
};

static volatile pid_t kids[2];
static uint64_t rng_state;

static void fail(const char *who, const char *what)
{
	printf("FAILED: %s: %s: %s\n", who, what, strerror(errno));
	exit(1);
}

static void xclose(const char *who, int fd1, int fd2)
{
	if (close(fd1) < 0 || close(fd2) < 0)
		fail(who, "close");
}

static uint64_t rng_next(void)	/* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 1: all len bytes moved, 0: EOF before any byte, -1: error (EPIPE on EOF) */
static int xfer(int fd, void *buf, size_t len, int rd)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = rd ? read(fd, (char *)buf + done, len - done) :
				 write(fd, (char *)buf + done, len - done);

		if (n <= 0) {
			if (n == 0)
				errno = EPIPE;
			return n == 0 && done == 0 ? 0 : -1;
		}
		done += (size_t)n;
	}
	return 1;
}

static unsigned char *map_dev(const char *who, size_t *sizep)
{
	unsigned char *mem;
	int fd, ret;

	fd = open(DEV, O_RDWR);
	if (fd < 0)
		fail(who, "open " DEV);
	ret = ioctl(fd, KSHRAM_GETSIZE, 0);
	if (ret < 0)
		fail(who, "ioctl KSHRAM_GETSIZE " DEV);
	if (ret < LEN_MIN) {
		printf("FAILED: %s: " DEV " size %d incorrect\n", who, ret);
		exit(1);
	}
	mem = mmap(NULL, (size_t)ret, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fail(who, "mmap " DEV);
	if (close(fd) < 0)
		fail(who, "close " DEV);
	*sizep = (size_t)ret;
	return mem;
}

/* Round r covers stratum [a, b) of the buffer when len allows it. */
static void pick(uint32_t r, size_t size, size_t *offp, size_t *lenp)
{
	size_t a = r * size / ROUNDS, b = (r + 1) * size / ROUNDS;
	size_t len = LEN_MIN + rng_next() % (LEN_MAX - LEN_MIN + 1);
	size_t lo, hi;

	if (len < b - a && b - a <= LEN_MAX)
		len = b - a;
	if (len > size)
		len = size;
	if (len >= b - a) {	/* window contains [a, b) */
		lo = b > len ? b - len : 0;
		hi = a < size - len ? a : size - len;
	} else {		/* window inside [a, b) */
		lo = a;
		hi = b - len;
	}
	*offp = lo + rng_next() % (hi - lo + 1);
	*lenp = len;
}

static void writer(int out, int ack)
{
	unsigned char *mem;
	size_t size, off, len;
	struct msg m;
	char c;

	mem = map_dev("writer", &size);
	if (getrandom(&rng_state, sizeof(rng_state), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(rng_state))
		rng_state = (uint64_t)time(NULL) ^ (uint64_t)getpid();

	for (uint32_t r = 0; r < ROUNDS; r++) {
		pick(r, size, &off, &len);
		memset(&m, 0, sizeof(m));
		m.round = r;
		m.off = (uint32_t)off;
		m.len = (uint32_t)len;
		for (size_t i = 0; i < len; i++)
			m.data[i] = (unsigned char)(0x20 + rng_next() % 0x5f);
		memcpy(mem + off, m.data, len);
		if (xfer(out, &m, sizeof(m), 0) < 0 || xfer(ack, &c, 1, 1) != 1) {
			if (errno != EPIPE)
				fail("writer", "pipe read/write");
			exit(1);	/* verifier is gone and reports why */
		}
	}
	exit(0);
}

static void verifier(int in, int ack)
{
	unsigned char *mem;
	uint32_t r = 0;
	struct msg m;
	size_t size;
	char ok = 'k';
	int ret;

	mem = map_dev("verifier", &size);
	while ((ret = xfer(in, &m, sizeof(m), 1)) == 1) {
		if (m.round != r || m.len < LEN_MIN || m.len > LEN_MAX ||
		    m.off > size || m.len > size - m.off) {
			printf("FAILED: round %u offset %u: bad request (len %u, size %zu)\n",
			       r, m.off, m.len, size);
			exit(1);
		}
		if (memcmp(mem + m.off, m.data, m.len)) {
			printf("FAILED: round %u offset %u: mismatch\n", r, m.off);
			exit(1);
		}
		if (xfer(ack, &ok, 1, 0) < 0)
			fail("verifier", "write ack");
		r++;
	}
	if (ret < 0)
		fail("verifier", "read");
	if (r != ROUNDS) {
		printf("FAILED: verifier got %u of %d rounds\n", r, ROUNDS);
		exit(1);
	}
	printf("check_fork: %d rounds over %zu bytes ok\n", ROUNDS, size);
	exit(0);
}

static void on_alarm(int sig)
{
	static const char txt[] = "FAILED: timeout\n";
	ssize_t n;

	(void)sig;
	for (int i = 0; i < 2; i++) {
		if (kids[i] > 0 && kill(kids[i], SIGKILL) == 0)
			waitpid(kids[i], NULL, 0);
	}
	n = write(STDOUT_FILENO, txt, sizeof(txt) - 1);
	(void)n;
	_exit(1);
}

int main(void)
{
	static const char *const name[2] = { "writer", "verifier" };
	int data[2], ack[2], status, ok = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fail("parent", "signal");
	if (pipe(data) < 0 || pipe(ack) < 0)
		fail("parent", "pipe");

	for (int i = 0; i < 2; i++) {
		fflush(stdout);
		kids[i] = fork();
		if (kids[i] < 0)
			fail("parent", "fork");
		if (kids[i] == 0) {
			if (i == 0) {
				xclose(name[i], data[0], ack[1]);
				writer(data[1], ack[0]);
			}
			xclose(name[i], data[1], ack[0]);
			verifier(data[0], ack[1]);
		}
	}
	xclose("parent", data[0], ack[1]);
	xclose("parent", data[1], ack[0]);

	if (signal(SIGALRM, on_alarm) == SIG_ERR)
		fail("parent", "signal");
	alarm(TIMEOUT);
	for (int i = 0; i < 2; i++) {
		if (waitpid(kids[i], &status, 0) < 0)
			fail("parent", "waitpid");
		kids[i] = 0;
		/* children print their own FAILED line before exit(1) */
		if (WIFSIGNALED(status))
			printf("FAILED: %s killed by signal %d (%s)\n", name[i],
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WEXITSTATUS(status) > 1)
			printf("FAILED: %s exited with status %d\n", name[i],
			       WEXITSTATUS(status));
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	alarm(0);
	if (ok)
		printf("PASSED\n");
	return ok ? 0 : 1;
}
