// SPDX-License-Identifier: MIT
/*
 * dma-resv.c - reservation objects: a wait-die lock plus a usage-tagged
 * fence set.
 *
 * Contract (see dma-resv.h for the full convention): the fence set changes
 * only with the resv lock held, in two steps that keep commit infallible:
 * dma_resv_reserve_fences() grows the table (the only allocation), then
 * dma_resv_add_fence() fills a slot.
 *
 * Locking: writers hold the resv lock AND fences_lock while they change the
 * table pointer, an entry or the count; fences_lock is a leaf lock held for a
 * few stores and never across a call out of this file. Readers holding the
 * resv lock read the table directly. Unlocked readers (the iterator behind
 * test_signaled, wait_timeout, get_fences) take fences_lock to read one entry
 * and take a reference on its fence, then drop it before doing anything with
 * the fence; if seq changed since they started they restart from the first
 * entry, which is this library's stand-in for the kernel's RCU walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/lockdep.h>

#include "ww_mutex-private.h"

DEFINE_WD_CLASS(reservation_ww_class);

/* __dma_resv_ww() is free only with the lock first. */
_Static_assert(offsetof(struct dma_resv, lock) == 0,
	       "struct dma_resv must start with its ww_mutex");

/*
 * Reservation locks are order-checked (V10): lock tracking learns their
 * class here, where the class is, so the checker below needs no knowledge
 * of reservations to report an inversion.
 */
static void __attribute__((constructor)) dma_resv_track_order(void)
{
	dmb_lockdep_track_order(reservation_ww_class.mutex_name);
}

struct dma_resv_entry {
	struct dma_fence *fence;
	enum dma_resv_usage usage;
};

struct dma_resv_list {
	unsigned int count;
	unsigned int capacity;
	struct dma_resv_entry table[];
};

static const char *const usage_names[] = {
	[DMA_RESV_USAGE_KERNEL] = "kernel",
	[DMA_RESV_USAGE_WRITE] = "write",
	[DMA_RESV_USAGE_READ] = "read",
	[DMA_RESV_USAGE_BOOKKEEP] = "bookkeep",
};

const char *dma_resv_usage_name(enum dma_resv_usage usage)
{
	return (unsigned int)usage < DMB_ARRAY_SIZE(usage_names) ?
	       usage_names[usage] : "invalid";
}

/*
 * Make @next the table and return the old one, which no unlocked reader can
 * see any more once fences_lock is dropped. Caller holds the resv lock.
 */
static struct dma_resv_list *resv_swap(struct dma_resv *obj,
				       struct dma_resv_list *next)
{
	struct dma_resv_list *old;

	dma_resv_assert_held(obj);
	pthread_mutex_lock(&obj->fences_lock);
	old = obj->fences;
	obj->fences = next;
	obj->seq++;
	pthread_mutex_unlock(&obj->fences_lock);
	return old;
}

/* Grow a private (unpublished) table, or allocate one; NULL on ENOMEM. */
static struct dma_resv_list *resv_list_grow(struct dma_resv_list *list,
					    unsigned int min_capacity)
{
	unsigned int capacity = list ? 2 * list->capacity : 4;
	struct dma_resv_list *bigger;

	if (capacity < min_capacity)
		capacity = min_capacity;
	bigger = realloc(list, sizeof(*list) + capacity * sizeof(list->table[0]));
	if (!bigger)
		return NULL;
	if (!list)
		bigger->count = 0;
	bigger->capacity = capacity;
	return bigger;
}

/* Put every fence of a private table and free it. */
static void resv_list_free(struct dma_resv_list *list)
{
	for (unsigned int i = 0; list && i < list->count; i++)
		dma_fence_put(list->table[i].fence);
	free(list);
}

void dma_resv_init(struct dma_resv *obj)
{
	if (DMB_WARN(!obj, "dma_resv_init(NULL)"))
		return;
	ww_mutex_init(&obj->lock, &reservation_ww_class);
	pthread_mutex_init(&obj->fences_lock, NULL);
	obj->fences = NULL;
	obj->seq = 0;
	obj->reserved = 0;
}

void dma_resv_fini(struct dma_resv *obj)
{
	if (DMB_WARN(!obj, "dma_resv_fini(NULL)"))
		return;
	DMB_WARN(dma_resv_is_locked(obj), "dma_resv_fini of a locked object");
	resv_list_free(obj->fences);
	obj->fences = NULL;
	pthread_mutex_destroy(&obj->fences_lock);
	ww_mutex_destroy(&obj->lock);
}

void dma_resv_unlock(struct dma_resv *obj)
{
	/*
	 * Unused reservations do not carry over: every lock session must
	 * reserve before it adds, or a missing reserve would go unnoticed
	 * until some run happens to need the allocation.
	 */
	if (DMB_WARN(!obj, "dma_resv_unlock(NULL)"))
		return;
	if (__ww_mutex_held(&obj->lock))
		obj->reserved = 0;
	ww_mutex_unlock(&obj->lock);
}

int dma_resv_reserve_fences(struct dma_resv *obj, unsigned int num)
{
	struct dma_resv_list *old, *next;
	unsigned int count, reserved;

	if (!dma_resv_held_or_report(obj))
		return -EINVAL;
	old = obj->fences;
	count = old ? old->count : 0;
	reserved = obj->reserved;

	if (num > obj->reserved)
		obj->reserved = num;
	if (old && old->capacity - count >= obj->reserved)
		return 0;

	/*
	 * The published table may be under an unlocked reader, so it is
	 * never resized in place: copy into a bigger one (doubling, so a run
	 * of adds costs amortised O(1)) and swap.
	 */
	next = resv_list_grow(NULL, count + obj->reserved > 2 * count ?
			      count + obj->reserved : 2 * count);
	if (!next) {
		/* What an earlier call reserved is still there. */
		obj->reserved = reserved;
		return -ENOMEM;
	}
	if (count)
		memcpy(next->table, old->table, count * sizeof(old->table[0]));
	next->count = count;
	free(resv_swap(obj, next));
	return 0;
}

/*
 * Slow path of add_fence: no slot was reserved. Never loses @fence.
 * Context: resv lock held.
 */
static bool resv_add_unreserved(struct dma_resv *obj, struct dma_fence *fence)
{
	dma_resv_assert_held(obj);
	DMB_WARN(true, "dma_resv_add_fence without a reserved slot (fence %s:%llu)",
		 dma_fence_timeline_name(fence),
		 (unsigned long long)fence->seqno);
	if (dma_resv_reserve_fences(obj, 1) == 0)
		return true;
	/*
	 * Out of memory on a path that must not fail: waiting for the fence
	 * makes forgetting it harmless, which a dropped fence never is.
	 */
	dma_fence_wait(fence);
	return false;
}

/*
 * May @fence, added with @usage, take the slot of entry @e? A later fence of
 * the same timeline completes after the old one, so it may stand for it when
 * its usage is as strict or stricter; the comparison wraps as the timeline's
 * seqnos do (dma_fence_is_later()). A fence that is complete - signaled, or
 * found so by polling its signaled op now, as the kernel does - frees its
 * slot for anyone.
 */
static bool resv_slot_replaceable(const struct dma_resv_entry *e,
				  struct dma_fence *fence,
				  enum dma_resv_usage usage)
{
	if (e->fence->context == fence->context && e->usage >= usage &&
	    dma_fence_is_later_or_same(fence, e->fence))
		return true;
	return dma_fence_is_signaled(e->fence);
}

void dma_resv_add_fence(struct dma_resv *obj, struct dma_fence *fence,
			enum dma_resv_usage usage)
{
	struct dma_resv_list *list;
	struct dma_fence *old = NULL;
	unsigned int i;

	if (DMB_WARN(!fence, "dma_resv_add_fence of a NULL fence"))
		return;
	if (DMB_WARN((unsigned int)usage > DMA_RESV_USAGE_BOOKKEEP,
		     "invalid usage %d", usage))
		usage = DMA_RESV_USAGE_KERNEL;	/* the strictest is the safe one */
	/* As the kernel warns: containers go in member by member. */
	DMB_WARN(dma_fence_is_container(fence),
		 "fence arrays and chains go into a dma_resv member by member");
	/* Without the lock the add would race other writers: refused. */
	if (!dma_resv_held_or_report(obj))
		return;

	if (!obj->reserved && !resv_add_unreserved(obj, fence))
		return;
	obj->reserved--;

	dma_fence_get(fence);
	list = obj->fences;

	/*
	 * Found without fences_lock: only holders of the resv lock change
	 * the table, and the poll may call out of this file (ops->signaled,
	 * then the callbacks of a fence it signals).
	 */
	for (i = 0; i < list->count; i++)
		if (resv_slot_replaceable(&list->table[i], fence, usage))
			break;

	pthread_mutex_lock(&obj->fences_lock);
	if (i < list->count)
		old = list->table[i].fence;
	else
		list->count++;
	list->table[i].fence = fence;
	list->table[i].usage = usage;
	obj->seq++;
	pthread_mutex_unlock(&obj->fences_lock);

	dma_fence_put(old);
}

/* Locked walk. */

static struct dma_fence *resv_iter_walk(struct dma_resv_iter *cursor)
{
	struct dma_resv_list *list = cursor->obj->fences;

	for (; list && cursor->index < list->count; cursor->index++) {
		struct dma_resv_entry *e = &list->table[cursor->index];

		if (e->usage > cursor->usage)
			continue;
		cursor->fence_usage = e->usage;
		return list->table[cursor->index++].fence;
	}
	return NULL;
}

/* A walk without a cursor, or begun on no object: refused. */
static bool resv_iter_usable(struct dma_resv_iter *cursor, const char *call)
{
	if (DMB_WARN(!cursor, "%s(NULL)", call)) {
		errno = EINVAL;
		return false;
	}
	return true;
}

struct dma_fence *dma_resv_iter_first(struct dma_resv_iter *cursor)
{
	if (!resv_iter_usable(cursor, __func__))
		return NULL;
	cursor->index = 0;
	cursor->is_restarted = true;
	/* Without the lock the table may be freed under the walk: refused. */
	if (!dma_resv_held_or_report(cursor->obj))
		return NULL;
	return resv_iter_walk(cursor);
}

struct dma_fence *dma_resv_iter_next(struct dma_resv_iter *cursor)
{
	if (!resv_iter_usable(cursor, __func__))
		return NULL;
	cursor->is_restarted = false;
	if (!dma_resv_held_or_report(cursor->obj))
		return NULL;
	return resv_iter_walk(cursor);
}

/* Unlocked walk. */

/*
 * Take a reference on the next unsignaled fence with matching usage,
 * restarting from the first entry if the set changed since the walk began.
 */
static struct dma_fence *resv_iter_walk_unlocked(struct dma_resv_iter *cursor)
{
	struct dma_resv *obj = cursor->obj;

	dma_fence_put(cursor->fence);
	cursor->fence = NULL;

	for (;;) {
		struct dma_resv_list *list;
		struct dma_fence *fence = NULL;

		pthread_mutex_lock(&obj->fences_lock);
		if (obj->seq != cursor->seq) {
			cursor->seq = obj->seq;
			cursor->index = 0;
			cursor->is_restarted = true;
		}
		list = obj->fences;
		for (; list && cursor->index < list->count; cursor->index++) {
			struct dma_resv_entry *e = &list->table[cursor->index];

			if (e->usage > cursor->usage)
				continue;
			fence = dma_fence_get(e->fence);
			cursor->fence_usage = e->usage;
			cursor->index++;
			break;
		}
		pthread_mutex_unlock(&obj->fences_lock);

		if (!fence || !dma_fence_is_signaled(fence)) {
			cursor->fence = fence;
			return fence;
		}
		dma_fence_put(fence);
	}
}

struct dma_fence *dma_resv_iter_first_unlocked(struct dma_resv_iter *cursor)
{
	if (!resv_iter_usable(cursor, __func__))
		return NULL;
	if (DMB_WARN(!cursor->obj, "unlocked walk of a NULL dma_resv")) {
		cursor->fence = NULL;
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&cursor->obj->fences_lock);
	cursor->seq = cursor->obj->seq;
	pthread_mutex_unlock(&cursor->obj->fences_lock);
	cursor->index = 0;
	cursor->is_restarted = true;
	cursor->fence = NULL;
	return resv_iter_walk_unlocked(cursor);
}

struct dma_fence *dma_resv_iter_next_unlocked(struct dma_resv_iter *cursor)
{
	if (!resv_iter_usable(cursor, __func__))
		return NULL;
	if (DMB_WARN(!cursor->obj, "unlocked walk of a NULL dma_resv")) {
		errno = EINVAL;
		return NULL;
	}
	cursor->is_restarted = false;
	return resv_iter_walk_unlocked(cursor);
}

/* Readers built on the unlocked walk. */

static void put_fences(struct dma_fence **fences, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		dma_fence_put(fences[i]);
}

int dma_resv_get_fences(struct dma_resv *obj, enum dma_resv_usage usage,
			unsigned int *num_fences, struct dma_fence ***fences)
{
	struct dma_fence **array = NULL, *fence;
	unsigned int count = 0, size = 0;
	struct dma_resv_iter cursor;

	if (DMB_WARN(!obj || !num_fences || !fences,
		     "dma_resv_get_fences(%p, %d, %p, %p)", (void *)obj, usage,
		     (void *)num_fences, (void *)fences))
		return -EINVAL;
	dma_resv_iter_begin(&cursor, obj, usage);
	dma_resv_for_each_fence_unlocked(&cursor, fence) {
		if (dma_resv_iter_is_restarted(&cursor)) {
			put_fences(array, count);
			count = 0;
		}
		if (count == size) {
			unsigned int want = size ? 2 * size : 4;
			struct dma_fence **bigger;

			bigger = realloc(array, want * sizeof(*array));
			if (!bigger)
				goto err_put;
			array = bigger;
			size = want;
		}
		array[count++] = dma_fence_get(fence);
	}
	dma_resv_iter_end(&cursor);

	if (!count) {
		free(array);
		array = NULL;
	}
	*num_fences = count;
	*fences = array;
	return 0;

err_put:
	dma_resv_iter_end(&cursor);
	put_fences(array, count);
	free(array);
	*num_fences = 0;
	*fences = NULL;
	return -ENOMEM;
}

int dma_resv_get_singleton(struct dma_resv *obj, enum dma_resv_usage usage,
			   struct dma_fence **fence)
{
	struct dma_fence **fences, *array;
	unsigned int count;
	int ret;

	if (DMB_WARN(!obj || !fence, "dma_resv_get_singleton(%p, %d, %p)",
		     (void *)obj, usage, (void *)fence))
		return -EINVAL;
	ret = dma_resv_get_fences(obj, usage, &count, &fences);
	if (ret)
		return ret;

	if (count <= 1) {
		*fence = count ? fences[0] : NULL;
		free(fences);
		return 0;
	}

	array = dma_fence_array_create((int)count, fences,
				       dma_fence_context_alloc(1), 1, false);
	if (!array) {
		put_fences(fences, count);
		free(fences);
		return -ENOMEM;
	}
	*fence = array;
	return 0;
}

int dma_resv_copy_fences(struct dma_resv *dst, struct dma_resv *src)
{
	struct dma_resv_list *next = NULL;
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!src, "dma_resv_copy_fences from a NULL dma_resv") ||
	    !dma_resv_held_or_report(dst))
		return -EINVAL;

	dma_resv_iter_begin(&cursor, src, DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_for_each_fence_unlocked(&cursor, fence) {
		if (dma_resv_iter_is_restarted(&cursor) && next) {
			for (unsigned int i = 0; i < next->count; i++)
				dma_fence_put(next->table[i].fence);
			next->count = 0;
		}
		if (!next || next->count == next->capacity) {
			struct dma_resv_list *bigger = resv_list_grow(next, 4);

			if (!bigger)
				goto err_iter;
			next = bigger;
		}
		next->table[next->count].fence = dma_fence_get(fence);
		next->table[next->count].usage = dma_resv_iter_usage(&cursor);
		next->count++;
	}
	dma_resv_iter_end(&cursor);

	/* The slots reserved in this lock session must survive the copy. */
	if (dst->reserved && (!next || next->capacity - next->count < dst->reserved)) {
		struct dma_resv_list *bigger;

		bigger = resv_list_grow(next, (next ? next->count : 0) + dst->reserved);
		if (!bigger)
			goto err_free;
		next = bigger;
	}
	resv_list_free(resv_swap(dst, next));
	return 0;

err_iter:
	dma_resv_iter_end(&cursor);
err_free:
	resv_list_free(next);
	return -ENOMEM;
}

bool dma_resv_test_signaled(struct dma_resv *obj, enum dma_resv_usage usage)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!obj, "dma_resv_test_signaled(NULL)"))
		return true;
	/* The unlocked walk skips signaled fences: any fence it yields is pending. */
	dma_resv_iter_begin(&cursor, obj, usage);
	fence = dma_resv_iter_first_unlocked(&cursor);
	dma_resv_iter_end(&cursor);
	return fence == NULL;
}

static int64_t __dma_resv_wait(struct dma_resv *obj, enum dma_resv_usage usage,
			       bool intr, int64_t timeout_ns)
{
	int64_t left = timeout_ns ? timeout_ns : 1;
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!obj || timeout_ns < 0,
		     "dma_resv_wait_timeout(%p): NULL object or negative timeout %lld",
		     (void *)obj, (long long)timeout_ns))
		return -EINVAL;

	dma_resv_iter_begin(&cursor, obj, usage);
	dma_resv_for_each_fence_unlocked(&cursor, fence) {
		left = dmb_fence_wait_timeout(fence, intr, timeout_ns);
		if (left <= 0)
			break;
		/* Each fence waits only for what is left of the budget. */
		if (timeout_ns != MAX_SCHEDULE_TIMEOUT)
			timeout_ns = left;
	}
	dma_resv_iter_end(&cursor);
	return left;
}

int64_t dma_resv_wait_timeout(struct dma_resv *obj, enum dma_resv_usage usage,
			      int64_t timeout_ns)
{
	return __dma_resv_wait(obj, usage, false, timeout_ns);
}

int64_t dmb_resv_wait_timeout(struct dma_resv *obj, enum dma_resv_usage usage,
			      bool intr, int64_t timeout_ns)
{
	return __dma_resv_wait(obj, usage, intr, timeout_ns);
}

void dma_resv_replace_fences(struct dma_resv *obj, uint64_t context,
			     struct dma_fence *replacement,
			     enum dma_resv_usage usage)
{
	struct dma_resv_list *list;

	if (DMB_WARN(!replacement, "dma_resv_replace_fences with a NULL fence") ||
	    DMB_WARN((unsigned int)usage > DMA_RESV_USAGE_BOOKKEEP,
		     "invalid usage %d", usage) ||
	    !dma_resv_held_or_report(obj))
		return;
	list = obj->fences;

	for (unsigned int i = 0; list && i < list->count; i++) {
		struct dma_resv_entry *e = &list->table[i];
		struct dma_fence *old = e->fence;

		if (old->context != context)
			continue;
		/* One entry at a time, as an unlocked reader may be looking. */
		pthread_mutex_lock(&obj->fences_lock);
		e->fence = dma_fence_get(replacement);
		e->usage = usage;
		obj->seq++;
		pthread_mutex_unlock(&obj->fences_lock);
		dma_fence_put(old);
	}
}

void dma_resv_set_deadline(struct dma_resv *obj, enum dma_resv_usage usage,
			   int64_t deadline)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!obj, "dma_resv_set_deadline(NULL)"))
		return;
	dma_resv_iter_begin(&cursor, obj, usage);
	dma_resv_for_each_fence_unlocked(&cursor, fence)
		dma_fence_set_deadline(fence, deadline);
	dma_resv_iter_end(&cursor);
}

void dma_resv_describe(struct dma_resv *obj, FILE *out)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!out, "dma_resv_describe to a NULL stream") ||
	    !dma_resv_held_or_report(obj))
		return;
	dma_resv_for_each_fence(&cursor, obj, DMA_RESV_USAGE_BOOKKEEP, fence) {
		fprintf(out, "\t%s ",
			dma_resv_usage_name(dma_resv_iter_usage(&cursor)));
		dma_fence_describe(fence, out);
	}
}
