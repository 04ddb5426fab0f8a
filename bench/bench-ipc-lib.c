/* SPDX-License-Identifier: MIT */
/*
 * bench-ipc-lib.c - the helpers of the cross-process benchmarks
 * (bench-ipc-lib.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dmabuf/dma-resv.h>

#include "bench.h"
#include "bench-ipc-lib.h"

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t bench_median_i64(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_i64);
	return v[n / 2];
}

void bench_must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
			strerror(errno));
		exit(1);
	}
}

void bench_put_byte(int fd, char c)
{
	bench_must(write(fd, &c, 1) == 1, "write");
}

char bench_get_byte(int fd)
{
	char c = 0;

	bench_must(read(fd, &c, 1) == 1, "read");
	return c;
}

int64_t bench_rtt_ns(void)
{
	enum { ROUNDS = 2000, RUNS = 7 };
	int64_t runs[RUNS];
	int sv[2], status;
	pid_t pid;

	bench_must(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), "socketpair");
	pid = fork();
	bench_must(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < ROUNDS * RUNS; i++)
			bench_put_byte(sv[1], bench_get_byte(sv[1]));
		_exit(0);
	}
	close(sv[1]);
	for (int r = 0; r < RUNS; r++) {
		int64_t t0 = bench_now_ns();

		for (int i = 0; i < ROUNDS; i++) {
			bench_put_byte(sv[0], 'p');
			bench_get_byte(sv[0]);
		}
		runs[r] = (bench_now_ns() - t0) / ROUNDS;
	}
	close(sv[0]);
	waitpid(pid, &status, 0);
	return bench_median_i64(runs, RUNS);
}

pid_t bench_spawn_self(const char *role, const char *extra, int *ctl)
{
	int sv[2];
	pid_t pid;

	bench_must(!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv),
		   "socketpair");
	pid = fork();
	bench_must(pid >= 0, "fork");
	if (pid == 0) {
		char arg[16];

		fcntl(sv[1], F_SETFD, 0);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execl("/proc/self/exe", program_invocation_short_name, role, arg,
		      extra, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*ctl = sv[0];
	return pid;
}

struct sg_table *bench_mapping;

static void bench_invalidate(struct dma_buf_attachment *attach)
{
	if (bench_mapping)
		dma_buf_unmap_attachment(attach, bench_mapping, DMA_BIDIRECTIONAL);
	bench_mapping = NULL;
}

const struct dma_buf_attach_ops bench_imp_ops = {
	.name = "bench", .invalidate_mappings = bench_invalidate,
};
struct device bench_imp_dev = { .name = "bench" };

void bench_map_now(struct dma_buf_attachment *attach, struct dma_resv *resv)
{
	dma_resv_lock(resv, NULL);
	bench_mapping = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	bench_must(bench_mapping != NULL, "map");
}

void bench_unmap_put(struct dma_buf *buf, struct dma_buf_attachment *attach)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	dma_resv_lock(resv, NULL);
	if (bench_mapping)
		dma_buf_unmap_attachment(attach, bench_mapping, DMA_BIDIRECTIONAL);
	bench_mapping = NULL;
	dma_resv_unlock(resv);
	dma_buf_detach(buf, attach);
	dma_buf_put(buf);
}
