// SPDX-License-Identifier: MIT
/*
 * bench-resv-lock.c - uncontended dma_resv lock/unlock against a bare
 * pthread mutex lock/unlock in the same run (goal: within 2x).
 */
#include <pthread.h>

#include <dmabuf/dma-resv.h>

#include "bench.h"

#define OPS	2000000

static pthread_mutex_t bare = PTHREAD_MUTEX_INITIALIZER;
static struct dma_resv resv;

void __attribute__((noinline)) op_mutex_lock_unlock(void);
void __attribute__((noinline)) op_mutex_lock_unlock(void)
{
	pthread_mutex_lock(&bare);
	pthread_mutex_unlock(&bare);
}

void __attribute__((noinline)) op_resv_lock_unlock(void);
void __attribute__((noinline)) op_resv_lock_unlock(void)
{
	dma_resv_lock(&resv, NULL);
	dma_resv_unlock(&resv);
}

static int64_t run(void *arg)
{
	void (*op)(void) = ((const struct bench_op *)arg)->fn;
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < OPS; i++)
		op();
	return (dmb_ktime_get_ns() - t0) * 1000 / OPS;
}

int main(int argc, char **argv)
{
	double bare_ns, resv_ns;

	dma_resv_init(&resv);
	if (bench_callgrind_mode(argc, argv)) {
		for (int i = 0; i < 1000; i++) {
			op_mutex_lock_unlock();
			op_resv_lock_unlock();
		}
		goto out;
	}
	bare_ns = bench_median(run, BENCH_OP(op_mutex_lock_unlock));
	resv_ns = bench_median(run, BENCH_OP(op_resv_lock_unlock));
	printf("resv-lock: (%s)\n", bench_mode_name());
	printf("resv-lock: pthread mutex lock+unlock   %7.2f ns\n", bare_ns);
	printf("resv-lock: dma_resv lock+unlock        %7.2f ns  (%.2fx bare mutex; goal <= 2x)\n",
	       resv_ns, resv_ns / bare_ns);
out:
	dma_resv_fini(&resv);
	return 0;
}
