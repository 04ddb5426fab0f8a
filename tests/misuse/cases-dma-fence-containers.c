// SPDX-License-Identifier: MIT
/*
 * cases-dma-fence-containers.c - misuse of dma-fence-array.h,
 * dma-fence-chain.h, dma-fence-unwrap.h and dma-fence-clock.h. What the
 * kernel accepts as NULL (to_dma_fence_chain, the chain walk, an unwrap of
 * no fence) stays accepted, silently.
 */
#include <stdlib.h>

#include <dmabuf/clock.h>
#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/dma-fence-clock.h>
#include <dmabuf/dma-fence-unwrap.h>
#include <dmabuf/dma-resv.h>

#include "misuse.h"
#include "mock-fence.h"

MISUSE_CASE(dma_fence_array_create, null_array, MISUSE_REPORTED)
{
	return !dma_fence_array_create(1, NULL, 1, 1, false) && errno == EINVAL;
}

MISUSE_CASE(dma_fence_array_create, null_member, MISUSE_REPORTED)
{
	struct dma_fence **fences = calloc(2, sizeof(*fences));

	fences[0] = mock_fence();
	return !dma_fence_array_create(2, fences, 1, 1, false) && errno == EINVAL;
}

MISUSE_CASE(dma_fence_array_create, no_members, MISUSE_REPORTED)
{
	struct dma_fence **fences = calloc(1, sizeof(*fences));

	return !dma_fence_array_create(0, fences, 1, 1, false) && errno == EINVAL;
}

MISUSE_CASE(dma_fence_is_array, null, MISUSE_REPORTED)
{
	return !dma_fence_is_array(NULL);
}

MISUSE_CASE(dma_fence_array_num_fences, null, MISUSE_REPORTED)
{
	return dma_fence_array_num_fences(NULL) == 0;
}

MISUSE_CASE(dma_fence_array_fence, null, MISUSE_SILENT)
{
	return dma_fence_array_fence(NULL, 0) == NULL;
}

MISUSE_NOTHING(dma_fence_chain_alloc, "no argument")

MISUSE_CASE(dma_fence_chain_free, null, MISUSE_SILENT)
{
	dma_fence_chain_free(NULL);
	return true;
}

MISUSE_CASE(dma_fence_chain_init, null_chain, MISUSE_REPORTED)
{
	dma_fence_chain_init(NULL, NULL, mock_fence(), 1);
	return true;
}

MISUSE_CASE(dma_fence_chain_init, null_fence, MISUSE_REPORTED)
{
	dma_fence_chain_init(dma_fence_chain_alloc(), NULL, NULL, 1);
	return true;
}

MISUSE_CASE(dma_fence_chain_base, null, MISUSE_REPORTED)
{
	return dma_fence_chain_base(NULL) == NULL && errno == EINVAL;
}

MISUSE_CASE(to_dma_fence_chain, null, MISUSE_SILENT)
{
	return to_dma_fence_chain(NULL) == NULL;
}

MISUSE_CASE(dma_fence_is_chain, null, MISUSE_REPORTED)
{
	return !dma_fence_is_chain(NULL);
}

MISUSE_CASE(dma_fence_is_container, null, MISUSE_REPORTED)
{
	return !dma_fence_is_container(NULL);
}

MISUSE_CASE(dma_fence_chain_contained, null, MISUSE_SILENT)
{
	return dma_fence_chain_contained(NULL) == NULL;
}

MISUSE_CASE(dma_fence_chain_walk, null, MISUSE_SILENT)
{
	return dma_fence_chain_walk(NULL) == NULL;
}

MISUSE_CASE(dma_fence_chain_find_seqno, null_pointer, MISUSE_REPORTED)
{
	return dma_fence_chain_find_seqno(NULL, 1) == -EINVAL;
}

MISUSE_CASE(dma_fence_chain_find_seqno, null_fence, MISUSE_REPORTED)
{
	struct dma_fence *f = NULL;

	return dma_fence_chain_find_seqno(&f, 1) == -EINVAL;
}

MISUSE_CASE(dma_fence_unwrap_first, null_head, MISUSE_SILENT)
{
	struct dma_fence_unwrap cursor;

	return dma_fence_unwrap_first(NULL, &cursor) == NULL;
}

MISUSE_CASE(dma_fence_unwrap_first, null_cursor, MISUSE_REPORTED)
{
	return dma_fence_unwrap_first(mock_fence(), NULL) == NULL &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_fence_unwrap_next, null, MISUSE_REPORTED)
{
	return dma_fence_unwrap_next(NULL) == NULL && errno == EINVAL;
}

MISUSE_CASE(__dma_fence_unwrap_merge, null_fences, MISUSE_REPORTED)
{
	struct dma_fence_unwrap cursors[1];

	return !__dma_fence_unwrap_merge(1, NULL, cursors) && errno == EINVAL;
}

MISUSE_CASE(__dma_fence_unwrap_merge, null_cursors, MISUSE_REPORTED)
{
	struct dma_fence *fences[1] = { mock_fence() };

	return !__dma_fence_unwrap_merge(1, fences, NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_fence_wait_until, null_fence, MISUSE_REPORTED)
{
	return dmb_fence_wait_until(NULL, dmb_clock_real(), 0) == -EINVAL;
}

MISUSE_CASE(dmb_fence_wait_until, null_clock, MISUSE_REPORTED)
{
	return dmb_fence_wait_until(mock_fence(), NULL, 0) == -EINVAL;
}

MISUSE_CASE(dmb_resv_wait_until, null_resv, MISUSE_REPORTED)
{
	return dmb_resv_wait_until(NULL, DMA_RESV_USAGE_BOOKKEEP,
				   dmb_clock_real(), 0) == -EINVAL;
}

MISUSE_CASE(dmb_resv_wait_until, null_clock, MISUSE_REPORTED)
{
	struct dma_resv obj;

	dma_resv_init(&obj);
	return dmb_resv_wait_until(&obj, DMA_RESV_USAGE_BOOKKEEP, NULL, 0) ==
	       -EINVAL;
}
