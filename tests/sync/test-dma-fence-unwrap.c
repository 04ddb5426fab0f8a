// SPDX-License-Identifier: MIT
/*
 * test-dma-fence-unwrap.c - walking into chains and arrays, and merging
 * fences into one flat fence.
 */
#include <stdlib.h>

#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/dma-fence-unwrap.h>

#include "harness.h"
#include "mock-fence.h"

/* An array of new references to @a and @b. */
static struct dma_fence *array_of(struct dma_fence *a, struct dma_fence *b)
{
	struct dma_fence **m = calloc(2, sizeof(*m));
	struct dma_fence *array;

	assert_non_null(m);
	m[0] = dma_fence_get(a);
	m[1] = dma_fence_get(b);
	array = dma_fence_array_create(2, m, dma_fence_context_alloc(1), 1, false);
	assert_non_null(array);
	return array;
}

static struct dma_fence *point(struct dma_fence *prev, struct dma_fence *fence,
			       uint64_t seqno)
{
	struct dma_fence_chain *chain = dma_fence_chain_alloc();

	assert_non_null(chain);
	dma_fence_chain_init(chain, prev, dma_fence_get(fence), seqno);
	return dma_fence_chain_base(chain);
}

/* a plain fence unwraps to itself; NULL to nothing. */
static void unwrap_plain(void **state)
{
	struct dma_fence *f = mock_fence(), *it;
	struct dma_fence_unwrap cursor;
	unsigned int n = 0;

	dma_fence_unwrap_for_each(it, &cursor, f) {
		assert_ptr_equal(it, f);
		n++;
	}
	assert_int_equal(n, 1);
	assert_null(dma_fence_unwrap_first(NULL, &cursor));
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* a chain of arrays unwraps to every member of every pending point. */
static void unwrap_chain_of_arrays(void **state)
{
	struct dma_fence *f[4] = { mock_fence(), mock_fence(), mock_fence(), mock_fence() };
	struct dma_fence *a1 = array_of(f[0], f[1]), *a2 = array_of(f[2], f[3]);
	struct dma_fence *head = point(point(NULL, a1, 1), a2, 2), *it;
	struct dma_fence_unwrap cursor;
	unsigned int seen = 0;

	dma_fence_unwrap_for_each(it, &cursor, head)
		for (int i = 0; i < 4; i++)
			if (it == f[i])
				seen |= 1u << i;
	assert_int_equal(seen, 0xf);
	assert_null(cursor.chain);	/* a finished walk holds nothing */
	for (int i = 0; i < 4; i++)
		dma_fence_signal(f[i]);
	dma_fence_put(head);
	dma_fence_put(a1);
	dma_fence_put(a2);
	for (int i = 0; i < 4; i++)
		dma_fence_put(f[i]);
}

/* merge flattens containers, drops signaled fences, and keeps the latest fence per timeline. */
static void merge_flattens_and_dedups(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *early = mock_fence_on(ctx, 1), *late = mock_fence_on(ctx, 2);
	struct dma_fence *other = mock_fence(), *done = mock_fence();
	struct dma_fence *array = array_of(early, other), *merged;
	unsigned int n = 0, found_late = 0, found_other = 0;

	dma_fence_signal(done);
	merged = dma_fence_unwrap_merge(array, late, done);
	assert_non_null(merged);
	assert_true(dma_fence_is_array(merged));
	for (unsigned int i = 0; i < dma_fence_array_num_fences(merged); i++) {
		struct dma_fence *m = dma_fence_array_fence(merged, i);

		n++;
		found_late += m == late;
		found_other += m == other;
	}
	assert_int_equal(n, 2);
	assert_int_equal(found_late, 1);
	assert_int_equal(found_other, 1);
	dma_fence_signal(early);
	dma_fence_signal(late);
	dma_fence_signal(other);
	assert_true(dma_fence_is_signaled(merged));
	dma_fence_put(merged);
	dma_fence_put(array);
	dma_fence_put(early);
	dma_fence_put(late);
	dma_fence_put(other);
	dma_fence_put(done);
}

/* one pending fence merges to itself; none to a signaled stub stamped with the latest signal. */
static void merge_single_and_none(void **state)
{
	struct dma_fence *a = mock_fence(), *b = mock_fence(), *merged;

	dma_fence_signal_timestamp(b, 4242);
	merged = dma_fence_unwrap_merge(a, b);
	assert_ptr_equal(merged, a);
	dma_fence_put(merged);
	dma_fence_signal_timestamp(a, 1000);
	merged = dma_fence_unwrap_merge(a, b);
	assert_non_null(merged);
	assert_true(dma_fence_test_signaled_flag(merged));
	assert_int_equal(dma_fence_timestamp(merged), 4242);
	dma_fence_put(merged);
	dma_fence_put(a);
	dma_fence_put(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		MOCK_FENCE_TEST(unwrap_plain),
		MOCK_FENCE_TEST(unwrap_chain_of_arrays),
		MOCK_FENCE_TEST(merge_flattens_and_dedups),
		MOCK_FENCE_TEST(merge_single_and_none),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
