// SPDX-License-Identifier: MIT
/*
 * bench-resv-fences.c - cost of dma_resv_add_fence (with its reserve) and of
 * dma_resv_test_signaled as the number of fences in the object grows.
 */
#include <stdlib.h>

#include <dmabuf/dma-resv.h>

#include "bench.h"

#define OPS	200000

static const char *bench_name(struct dma_fence *f)
{
	return "bench";
}

static const struct dma_fence_ops bench_fence_ops = {
	.get_driver_name = bench_name,
	.get_timeline_name = bench_name,
};

struct setup {
	struct dma_resv resv;
	struct dma_fence *fences[64];
	struct dma_fence *extra;
	unsigned int n;
};

static struct dma_fence *new_fence(void)
{
	struct dma_fence *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	dma_fence_init(f, &bench_fence_ops, NULL, dma_fence_context_alloc(1), 1);
	return f;
}

static void setup_init(struct setup *s, unsigned int n)
{
	s->n = n;
	dma_resv_init(&s->resv);
	dma_resv_lock(&s->resv, NULL);
	for (unsigned int i = 0; i < n; i++) {
		s->fences[i] = new_fence();
		dma_resv_reserve_fences(&s->resv, 1);
		dma_resv_add_fence(&s->resv, s->fences[i], DMA_RESV_USAGE_READ);
	}
	dma_resv_unlock(&s->resv);
	/* re-adding the newest fence walks the whole table to replace it */
	s->extra = s->fences[n - 1];
}

static void setup_signal_all(struct setup *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		dma_fence_signal(s->fences[i]);
}

static void setup_fini(struct setup *s)
{
	dma_resv_fini(&s->resv);
	for (unsigned int i = 0; i < s->n; i++)
		dma_fence_put(s->fences[i]);
}

/* Re-add an existing fence (the replacement path): a fixed-size object. */
void __attribute__((noinline)) op_add_fence(struct setup *s);
void __attribute__((noinline)) op_add_fence(struct setup *s)
{
	dma_resv_lock(&s->resv, NULL);
	dma_resv_reserve_fences(&s->resv, 1);
	dma_resv_add_fence(&s->resv, s->extra, DMA_RESV_USAGE_READ);
	dma_resv_unlock(&s->resv);
}

bool __attribute__((noinline)) op_test_signaled(struct setup *s);
bool __attribute__((noinline)) op_test_signaled(struct setup *s)
{
	return dma_resv_test_signaled(&s->resv, DMA_RESV_USAGE_BOOKKEEP);
}

static int64_t run_add(void *arg)
{
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < OPS; i++)
		op_add_fence(arg);
	return (dmb_ktime_get_ns() - t0) * 1000 / OPS;
}

static int64_t run_test(void *arg)
{
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < OPS; i++)
		bench_keep(op_test_signaled(arg));
	return (dmb_ktime_get_ns() - t0) * 1000 / OPS;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 1, 8, 64 };

	for (unsigned int k = 0; k < 3; k++) {
		struct setup s;

		double add, busy, idle;

		setup_init(&s, sizes[k]);
		if (bench_callgrind_mode(argc, argv)) {
			/* the 8-fence object only: 1000 adds, 1000 idle tests */
			for (int i = 0; i < 1000 && sizes[k] == 8; i++)
				op_add_fence(&s);
			setup_signal_all(&s);
			for (int i = 0; i < 1000 && sizes[k] == 8; i++)
				bench_keep(op_test_signaled(&s));
			setup_fini(&s);
			continue;
		}
		add = bench_median(run_add, &s);
		busy = bench_median(run_test, &s);	/* stops at the first pending */
		setup_signal_all(&s);
		idle = bench_median(run_test, &s);	/* walks every fence */
		printf("resv-fences: %2u fences: lock+reserve+add+unlock %7.1f ns | test_signaled busy %6.1f ns, idle %7.1f ns (%.1f ns/fence)\n",
		       sizes[k], add, busy, idle, idle / sizes[k]);
		setup_fini(&s);
	}
	return 0;
}
