/* SPDX-License-Identifier: MIT */
/*
 * dma-fence-array.h - one fence standing for several: it signals when all of
 * them have (or, with signal_on_any, when the first one has).
 *
 * The array's error is the first error of a member that signaled with one
 * (first to signal once the array's signalling is enabled; lowest index when
 * a poll finds the members already done). Before its signalling is enabled,
 * dma_fence_is_signaled() on the array looks at the members' SIGNALED bits;
 * it does not poll their drivers.
 *
 * The array holds a reference on each member until it is released. Once its
 * signalling is enabled (a callback or a wait on it), it also keeps itself
 * alive until every member it registered on has signaled, as members must.
 *
 * Locking: the array is a dma_fence with its own lock; members signal it from
 * their callbacks, i.e. in the member's signalling thread with the member's
 * lock held (never the array's own lock in the same thread twice). The one
 * lock order is member -> array: no thread takes a member's lock while
 * holding the array's.
 */
#ifndef DMABUF_DMA_FENCE_ARRAY_H
#define DMABUF_DMA_FENCE_ARRAY_H

#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>

DMB_BEGIN_DECLS

struct dma_fence_array;

/**
 * dma_fence_array_create - combine @fences into one fence
 * @num_fences: number of entries, >= 1
 * @fences: malloc()ed array of fence references; on success the new fence
 *	owns both the array and the references, on failure the caller keeps
 *	them
 * @context: timeline of the new fence
 * @seqno: its seqno
 * @signal_on_any: signal when the first member signals instead of the last
 *
 * A member that is itself a container (an array or a chain) is reported,
 * as the kernel warns, and accepted: flatten with dma_fence_unwrap_merge().
 * Deadlines set on the array go to every member.
 * Context: any thread.
 * Return: the array's fence, or NULL with errno set (EINVAL, ENOMEM).
 */
struct dma_fence *dma_fence_array_create(int num_fences,
					 struct dma_fence **fences,
					 uint64_t context, uint64_t seqno,
					 bool signal_on_any);

/**
 * dma_fence_is_array - true if @fence was made by dma_fence_array_create()
 *
 * A NULL @fence is reported and is no array (false).
 * Context: any thread, no lock.
 */
bool dma_fence_is_array(struct dma_fence *fence);

/**
 * dma_fence_array_num_fences - number of members, or 0 if not an array
 * (0, reported, for a NULL @fence)
 *
 * Context: any thread, no lock.
 */
unsigned int dma_fence_array_num_fences(struct dma_fence *fence);

/**
 * dma_fence_array_fence - member @i of an array fence (no reference taken);
 * for a fence that is not an array, index 0 is the fence itself
 *
 * Context: any thread, no lock.
 * Return: the member, or NULL when @i is out of range. A NULL @fence has
 * no member (NULL, not reported, as the kernel's dma_fence_array_first()).
 */
struct dma_fence *dma_fence_array_fence(struct dma_fence *fence, unsigned int i);

DMB_END_DECLS

#endif /* DMABUF_DMA_FENCE_ARRAY_H */
