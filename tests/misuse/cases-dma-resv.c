// SPDX-License-Identifier: MIT
/*
 * cases-dma-resv.c - misuse of dma-resv.h: NULL objects, cursors, fences
 * and out-pointers, and the lock rule of its locking convention (the
 * locked calls without the resv lock, an unlock of an unlocked object, fini
 * of a locked one).
 */
#include <stdio.h>

#include <dmabuf/dma-resv.h>

#include "misuse.h"
#include "mock-fence.h"

static struct dma_resv *new_resv(void)
{
	static struct dma_resv obj;

	dma_resv_init(&obj);
	return &obj;
}

/* An object holding one pending fence, unlocked. */
static struct dma_resv *busy_resv(void)
{
	struct dma_resv *obj = new_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_reserve_fences(obj, 1);
	dma_resv_add_fence(obj, mock_fence(), DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(obj);
	return obj;
}

MISUSE_NOTHING(dma_resv_usage_rw, "no pointer argument")
MISUSE_NOTHING(dma_resv_usage_name, "no pointer argument; an invalid usage is named \"invalid\"")

MISUSE_CASE(dma_resv_init, null, MISUSE_REPORTED)
{
	dma_resv_init(NULL);
	return true;
}

MISUSE_CASE(dma_resv_fini, null, MISUSE_REPORTED)
{
	dma_resv_fini(NULL);
	return true;
}

MISUSE_CASE(dma_resv_fini, locked, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_fini(obj);
	return true;
}

/* The internal helper of the lock wrappers: NULL maps to NULL. */
MISUSE_CASE(__dma_resv_ww, null, MISUSE_SILENT)
{
	return __dma_resv_ww(NULL) == NULL;
}

MISUSE_CASE(dma_resv_lock, null, MISUSE_REPORTED)
{
	return dma_resv_lock(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_lock, recursive_without_ctx, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_lock(obj, NULL);
	return dma_resv_lock(obj, NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_lock_interruptible, null, MISUSE_REPORTED)
{
	return dma_resv_lock_interruptible(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_lock_slow, null, MISUSE_REPORTED)
{
	dma_resv_lock_slow(NULL, NULL);
	return true;
}

MISUSE_CASE(dma_resv_lock_slow_interruptible, null, MISUSE_REPORTED)
{
	return dma_resv_lock_slow_interruptible(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_trylock, null, MISUSE_REPORTED)
{
	return !dma_resv_trylock(NULL);
}

MISUSE_CASE(dma_resv_unlock, null, MISUSE_REPORTED)
{
	dma_resv_unlock(NULL);
	return true;
}

MISUSE_CASE(dma_resv_unlock, unlocked, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_unlock(obj);
	return !dma_resv_is_locked(obj);
}

MISUSE_CASE(dma_resv_is_locked, null, MISUSE_REPORTED)
{
	return !dma_resv_is_locked(NULL);
}

MISUSE_CASE(dma_resv_held, null, MISUSE_REPORTED)
{
	return !dma_resv_held(NULL);
}

MISUSE_CASE(dma_resv_locking_ctx, null, MISUSE_REPORTED)
{
	return dma_resv_locking_ctx(NULL) == NULL;
}

MISUSE_CASE(dma_resv_reserve_fences, null, MISUSE_REPORTED)
{
	return dma_resv_reserve_fences(NULL, 1) == -EINVAL;
}

MISUSE_CASE(dma_resv_reserve_fences, without_lock, MISUSE_REPORTED)
{
	return dma_resv_reserve_fences(new_resv(), 1) == -EINVAL;
}

MISUSE_CASE(dma_resv_add_fence, null_resv, MISUSE_REPORTED)
{
	dma_resv_add_fence(NULL, mock_fence(), DMA_RESV_USAGE_WRITE);
	return true;
}

MISUSE_CASE(dma_resv_add_fence, null_fence, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_reserve_fences(obj, 1);
	dma_resv_add_fence(obj, NULL, DMA_RESV_USAGE_WRITE);
	return dma_resv_test_signaled(obj, DMA_RESV_USAGE_BOOKKEEP);
}

MISUSE_CASE(dma_resv_add_fence, without_lock, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_add_fence(obj, mock_fence(), DMA_RESV_USAGE_WRITE);
	return dma_resv_test_signaled(obj, DMA_RESV_USAGE_BOOKKEEP);
}

MISUSE_CASE(dma_resv_add_fence, without_reserve, MISUSE_REPORTED)
{
	struct dma_resv *obj = new_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_add_fence(obj, mock_fence(), DMA_RESV_USAGE_WRITE);
	/* reported, and added anyway: the fence must never be lost */
	return !dma_resv_test_signaled(obj, DMA_RESV_USAGE_BOOKKEEP);
}

MISUSE_CASE(dma_resv_iter_begin, null_cursor, MISUSE_REPORTED)
{
	dma_resv_iter_begin(NULL, new_resv(), DMA_RESV_USAGE_BOOKKEEP);
	return true;
}

MISUSE_CASE(dma_resv_iter_end, null, MISUSE_REPORTED)
{
	dma_resv_iter_end(NULL);
	return true;
}

MISUSE_CASE(dma_resv_iter_usage, null, MISUSE_REPORTED)
{
	return dma_resv_iter_usage(NULL) == DMA_RESV_USAGE_KERNEL;
}

MISUSE_CASE(dma_resv_iter_is_restarted, null, MISUSE_REPORTED)
{
	return !dma_resv_iter_is_restarted(NULL);
}

MISUSE_CASE(dma_resv_iter_first_unlocked, null_cursor, MISUSE_REPORTED)
{
	return !dma_resv_iter_first_unlocked(NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_first_unlocked, null_resv, MISUSE_REPORTED)
{
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, NULL, DMA_RESV_USAGE_BOOKKEEP);
	return !dma_resv_iter_first_unlocked(&cursor) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_next_unlocked, null_cursor, MISUSE_REPORTED)
{
	return !dma_resv_iter_next_unlocked(NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_next_unlocked, null_resv, MISUSE_REPORTED)
{
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, NULL, DMA_RESV_USAGE_BOOKKEEP);
	return !dma_resv_iter_next_unlocked(&cursor) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_first, null_cursor, MISUSE_REPORTED)
{
	return !dma_resv_iter_first(NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_first, null_resv, MISUSE_REPORTED)
{
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, NULL, DMA_RESV_USAGE_BOOKKEEP);
	return !dma_resv_iter_first(&cursor);
}

MISUSE_CASE(dma_resv_iter_first, without_lock, MISUSE_REPORTED)
{
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, busy_resv(), DMA_RESV_USAGE_BOOKKEEP);
	return !dma_resv_iter_first(&cursor);
}

MISUSE_CASE(dma_resv_iter_next, null_cursor, MISUSE_REPORTED)
{
	return !dma_resv_iter_next(NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_resv_iter_next, without_lock, MISUSE_REPORTED)
{
	struct dma_resv_iter cursor;

	dma_resv_iter_begin(&cursor, busy_resv(), DMA_RESV_USAGE_BOOKKEEP);
	cursor.index = 0;
	return !dma_resv_iter_next(&cursor);
}

MISUSE_CASE(dma_resv_get_fences, null_resv, MISUSE_REPORTED)
{
	struct dma_fence **fences = (void *)1;
	unsigned int n = 7;

	return dma_resv_get_fences(NULL, DMA_RESV_USAGE_BOOKKEEP, &n,
				   &fences) == -EINVAL && n == 7;
}

MISUSE_CASE(dma_resv_get_fences, null_count, MISUSE_REPORTED)
{
	struct dma_fence **fences;

	return dma_resv_get_fences(busy_resv(), DMA_RESV_USAGE_BOOKKEEP, NULL,
				   &fences) == -EINVAL;
}

MISUSE_CASE(dma_resv_get_fences, null_fences, MISUSE_REPORTED)
{
	unsigned int n = 7;

	return dma_resv_get_fences(busy_resv(), DMA_RESV_USAGE_BOOKKEEP, &n,
				   NULL) == -EINVAL && n == 7;
}

MISUSE_CASE(dma_resv_get_singleton, null_resv, MISUSE_REPORTED)
{
	struct dma_fence *f;

	return dma_resv_get_singleton(NULL, DMA_RESV_USAGE_BOOKKEEP, &f) ==
	       -EINVAL;
}

MISUSE_CASE(dma_resv_get_singleton, null_fence, MISUSE_REPORTED)
{
	return dma_resv_get_singleton(busy_resv(), DMA_RESV_USAGE_BOOKKEEP,
				      NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_copy_fences, null_dst, MISUSE_REPORTED)
{
	return dma_resv_copy_fences(NULL, busy_resv()) == -EINVAL;
}

MISUSE_CASE(dma_resv_copy_fences, null_src, MISUSE_REPORTED)
{
	static struct dma_resv dst;

	dma_resv_init(&dst);
	dma_resv_lock(&dst, NULL);
	return dma_resv_copy_fences(&dst, NULL) == -EINVAL;
}

MISUSE_CASE(dma_resv_copy_fences, dst_without_lock, MISUSE_REPORTED)
{
	static struct dma_resv dst;

	dma_resv_init(&dst);
	return dma_resv_copy_fences(&dst, busy_resv()) == -EINVAL &&
	       dma_resv_test_signaled(&dst, DMA_RESV_USAGE_BOOKKEEP);
}

MISUSE_CASE(dma_resv_test_signaled, null, MISUSE_REPORTED)
{
	return dma_resv_test_signaled(NULL, DMA_RESV_USAGE_BOOKKEEP);
}

MISUSE_CASE(dma_resv_wait_timeout, null, MISUSE_REPORTED)
{
	return dma_resv_wait_timeout(NULL, DMA_RESV_USAGE_BOOKKEEP, 0) == -EINVAL;
}

MISUSE_CASE(dma_resv_wait_timeout, negative_timeout, MISUSE_REPORTED)
{
	return dma_resv_wait_timeout(busy_resv(), DMA_RESV_USAGE_BOOKKEEP, -1) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_resv_wait_timeout, null, MISUSE_REPORTED)
{
	return dmb_resv_wait_timeout(NULL, DMA_RESV_USAGE_BOOKKEEP, true, 0) ==
	       -EINVAL;
}

MISUSE_CASE(dma_resv_replace_fences, null_resv, MISUSE_REPORTED)
{
	dma_resv_replace_fences(NULL, 1, mock_fence(), DMA_RESV_USAGE_WRITE);
	return true;
}

MISUSE_CASE(dma_resv_replace_fences, null_fence, MISUSE_REPORTED)
{
	struct dma_resv *obj = busy_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_replace_fences(obj, 1, NULL, DMA_RESV_USAGE_WRITE);
	return true;
}

MISUSE_CASE(dma_resv_replace_fences, without_lock, MISUSE_REPORTED)
{
	dma_resv_replace_fences(busy_resv(), 1, mock_fence(),
				DMA_RESV_USAGE_WRITE);
	return true;
}

MISUSE_CASE(dma_resv_set_deadline, null, MISUSE_REPORTED)
{
	dma_resv_set_deadline(NULL, DMA_RESV_USAGE_BOOKKEEP, 1);
	return true;
}

MISUSE_CASE(dma_resv_describe, null_resv, MISUSE_REPORTED)
{
	dma_resv_describe(NULL, stdout);
	return true;
}

MISUSE_CASE(dma_resv_describe, null_stream, MISUSE_REPORTED)
{
	struct dma_resv *obj = busy_resv();

	dma_resv_lock(obj, NULL);
	dma_resv_describe(obj, NULL);
	return true;
}

MISUSE_CASE(dma_resv_describe, without_lock, MISUSE_REPORTED)
{
	dma_resv_describe(busy_resv(), stdout);
	return true;
}
