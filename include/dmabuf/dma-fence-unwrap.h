/* SPDX-License-Identifier: MIT */
/*
 * dma-fence-unwrap.h - looking inside container fences (chains and arrays)
 * and merging fences into one flat array.
 *
 * dma_fence_unwrap_for_each() visits every fence inside a fence: the
 * contained fences of a chain's pending points and the members of arrays,
 * one level of each (a chain of arrays; arrays inside arrays are not
 * expected, and reported when made). A plain fence is visited itself.
 * dma_fence_unwrap_merge() builds one fence that waits for all the fences it
 * is given, flattened, with signaled ones dropped and only the latest fence
 * of each timeline kept.
 *
 * Locking: none of their own; the walk polls fences (taking their locks), so
 * it must not run under a fence lock.
 */
#ifndef DMABUF_DMA_FENCE_UNWRAP_H
#define DMABUF_DMA_FENCE_UNWRAP_H

#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>

DMB_BEGIN_DECLS

/**
 * struct dma_fence_unwrap - a walk's position
 * @chain: the chain point being looked at (a reference while walking)
 * @array: the fence inside it: an array or a plain fence
 * @index: the next member of @array
 */
struct dma_fence_unwrap {
	struct dma_fence *chain;
	struct dma_fence *array;
	unsigned int index;
};

/**
 * dma_fence_unwrap_first - start walking @head
 *
 * Context: any thread, no fence lock held.
 * Return: the first fence inside @head (no reference taken: valid while
 * the walk lasts), or NULL if there is none (a NULL @head has none, as in
 * the kernel). A NULL @cursor is reported: NULL with errno EINVAL.
 */
struct dma_fence *dma_fence_unwrap_first(struct dma_fence *head,
					 struct dma_fence_unwrap *cursor);

/**
 * dma_fence_unwrap_next - the next fence of the walk
 *
 * Context: any thread, no fence lock held.
 * Return: the fence (no reference), or NULL at the end, when the cursor no
 * longer holds any reference; NULL with errno EINVAL (reported) for a NULL
 * @cursor.
 */
struct dma_fence *dma_fence_unwrap_next(struct dma_fence_unwrap *cursor);

/**
 * dma_fence_unwrap_for_each - visit every fence inside @head
 * @fence: the current fence (no reference of its own)
 * @cursor: a struct dma_fence_unwrap *
 * @head: the fence to look into
 *
 * Leaving the loop early leaves a reference in @cursor->chain: drop it
 * with dma_fence_put(@cursor->chain).
 * Context: any thread, no fence lock held.
 */
#define dma_fence_unwrap_for_each(fence, cursor, head)			\
	for ((fence) = dma_fence_unwrap_first(head, cursor); (fence);	\
	     (fence) = dma_fence_unwrap_next(cursor))

/**
 * __dma_fence_unwrap_merge - dma_fence_unwrap_merge() with explicit arrays
 * @num_fences: entries of @fences
 * @fences: the fences to merge (not consumed; NULL entries are skipped)
 * @cursors: @num_fences cursors for the walk
 *
 * Context: any thread, no fence lock held.
 * Return: a new reference to a fence that signals when every pending fence
 * inside @fences has: a signaled stub (timestamped with the latest signal
 * seen) if none is pending, the one fence if only one is, else a new array
 * of them, the latest per timeline only. NULL with errno ENOMEM, or
 * EINVAL (reported) when @fences or @cursors is NULL with @num_fences > 0.
 */
struct dma_fence *__dma_fence_unwrap_merge(unsigned int num_fences,
					   struct dma_fence **fences,
					   struct dma_fence_unwrap *cursors);

/**
 * dma_fence_unwrap_merge - merge the fences given as arguments (see
 * __dma_fence_unwrap_merge(); a GNU C statement expression, as in the kernel)
 *
 * Context: any thread, no fence lock held.
 * Return: as __dma_fence_unwrap_merge().
 */
#define dma_fence_unwrap_merge(...)					\
	__extension__ ({						\
		struct dma_fence *__f[] = { __VA_ARGS__ };		\
		struct dma_fence_unwrap __c[DMB_ARRAY_SIZE(__f)];	\
									\
		__dma_fence_unwrap_merge(DMB_ARRAY_SIZE(__f), __f, __c); \
	})

DMB_END_DECLS

#endif /* DMABUF_DMA_FENCE_UNWRAP_H */
