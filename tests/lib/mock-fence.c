// SPDX-License-Identifier: MIT
/*
 * mock-fence.c - hand-signalled fences with a live count.
 *
 * Locking: each fence uses its own inline lock; the live count is atomic.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "harness.h"
#include "mock-fence.h"

static atomic_long live;

static const char *mock_driver_name(struct dma_fence *fence)
{
	return "mock";
}

static const char *mock_timeline_name(struct dma_fence *fence)
{
	return "mock-timeline";
}

static void mock_release(struct dma_fence *fence)
{
	atomic_fetch_sub(&live, 1);
	free(fence);
}

static const struct dma_fence_ops mock_ops = {
	.get_driver_name = mock_driver_name,
	.get_timeline_name = mock_timeline_name,
	.release = mock_release,
};

struct dma_fence *mock_fence_on(uint64_t context, uint64_t seqno)
{
	struct dma_fence *fence = calloc(1, sizeof(*fence));

	assert_non_null(fence);
	dma_fence_init(fence, &mock_ops, NULL, context, seqno);
	atomic_fetch_add(&live, 1);
	return fence;
}

struct dma_fence *mock_fence(void)
{
	return mock_fence_on(dma_fence_context_alloc(1), 1);
}

long mock_fence_live(void)
{
	return atomic_load(&live);
}

/* Live mock fences when the running case started (cases run one at a time). */
static long live_before;

int mock_fence_setup(void **state)
{
	live_before = mock_fence_live();
	return th_setup(state);
}

int mock_fence_teardown(void **state)
{
	long leaked = mock_fence_live() - live_before;

	if (leaked)
		print_error("%ld mock fences leaked\n", leaked);
	return th_teardown(state) || leaked ? -1 : 0;
}
