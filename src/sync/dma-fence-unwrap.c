// SPDX-License-Identifier: MIT
/*
 * dma-fence-unwrap.c - walking into containers and merging fences
 * (contract in include/dmabuf/dma-fence-unwrap.h).
 *
 * The walk is two nested walks: the chain points (dma_fence_chain_walk(),
 * which holds a reference on the current point) and, inside each, the
 * members of the array it contains (or the one fence). Merging walks every
 * input twice: once to count the pending fences (an upper bound: fences
 * only ever signal, and a chain walk only ever drops points), once to take
 * them; then sorts them by timeline, keeps the latest of each, and wraps
 * what is left.
 *
 * Locking: none of its own; references keep everything alive.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/dma-fence-unwrap.h>

/* Start on the fence inside the current chain point. */
static struct dma_fence *unwrap_array(struct dma_fence_unwrap *cursor)
{
	cursor->array = dma_fence_chain_contained(cursor->chain);
	cursor->index = 0;
	return dma_fence_array_fence(cursor->array, 0);
}

struct dma_fence *dma_fence_unwrap_first(struct dma_fence *head,
					 struct dma_fence_unwrap *cursor)
{
	if (DMB_WARN(!cursor, "dma_fence_unwrap_first(%p, NULL)", (void *)head)) {
		errno = EINVAL;
		return NULL;
	}
	cursor->chain = dma_fence_get(head);
	if (!head)
		return NULL;
	return unwrap_array(cursor);
}

struct dma_fence *dma_fence_unwrap_next(struct dma_fence_unwrap *cursor)
{
	struct dma_fence *next = NULL;

	if (DMB_WARN(!cursor, "dma_fence_unwrap_next(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	/* Index 0 of a plain fence is the fence; there is no index 1. */
	if (dma_fence_is_array(cursor->array))
		next = dma_fence_array_fence(cursor->array, ++cursor->index);
	if (next)
		return next;
	cursor->chain = dma_fence_chain_walk(cursor->chain);
	if (!cursor->chain)
		return NULL;
	return unwrap_array(cursor);
}

/* Timeline first, then the later fence of a timeline first. */
static int unwrap_cmp(const void *pa, const void *pb)
{
	struct dma_fence *a = *(struct dma_fence *const *)pa;
	struct dma_fence *b = *(struct dma_fence *const *)pb;

	if (a->context != b->context)
		return a->context < b->context ? -1 : 1;
	if (a == b)
		return 0;
	if (dma_fence_is_later(a, b))
		return -1;
	return dma_fence_is_later(b, a) ? 1 : 0;
}

/*
 * Walk every input; with @array NULL only count the pending fences, else
 * store up to @max references in it. Either way note the latest signal.
 */
static unsigned int unwrap_collect(unsigned int num_fences,
				   struct dma_fence **fences,
				   struct dma_fence_unwrap *cursors,
				   struct dma_fence **array, unsigned int max,
				   int64_t *latest)
{
	unsigned int count = 0;
	struct dma_fence *f;

	for (unsigned int i = 0; i < num_fences; i++) {
		dma_fence_unwrap_for_each(f, &cursors[i], fences[i]) {
			if (!dma_fence_is_signaled(f)) {
				if (array && count < max)
					array[count] = dma_fence_get(f);
				count++;
			} else if (dma_fence_timestamp(f) > *latest) {
				*latest = dma_fence_timestamp(f);
			}
		}
	}
	return array && count > max ? max : count;
}

struct dma_fence *__dma_fence_unwrap_merge(unsigned int num_fences,
					   struct dma_fence **fences,
					   struct dma_fence_unwrap *cursors)
{
	struct dma_fence **array, *result;
	unsigned int count, kept = 0;
	int64_t latest = 0;

	if (DMB_WARN(num_fences && (!fences || !cursors),
		     "__dma_fence_unwrap_merge(%u, %p, %p)", num_fences,
		     (void *)fences, (void *)cursors)) {
		errno = EINVAL;
		return NULL;
	}
	count = unwrap_collect(num_fences, fences, cursors, NULL, 0, &latest);
	if (!count)
		return dma_fence_allocate_private_stub(latest);

	array = calloc(count, sizeof(*array));
	if (!array) {
		errno = ENOMEM;
		return NULL;
	}
	count = unwrap_collect(num_fences, fences, cursors, array, count,
			       &latest);

	/* One fence per timeline: the latest covers the others. */
	qsort(array, count, sizeof(*array), unwrap_cmp);
	for (unsigned int i = 0; i < count; i++) {
		if (kept && array[kept - 1]->context == array[i]->context) {
			dma_fence_put(array[i]);
			continue;
		}
		array[kept++] = array[i];
	}

	if (kept == 0) {
		free(array);
		return dma_fence_allocate_private_stub(latest);
	}
	if (kept == 1) {
		result = array[0];
		free(array);
		return result;
	}
	result = dma_fence_array_create((int)kept, array,
					dma_fence_context_alloc(1), 1, false);
	if (!result) {
		for (unsigned int i = 0; i < kept; i++)
			dma_fence_put(array[i]);
		free(array);
		errno = ENOMEM;
	}
	return result;
}
