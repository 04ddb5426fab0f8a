// SPDX-License-Identifier: MIT
/*
 * test-dma-resv.c - reservation objects: locking, reserve-then-add, usage
 * filtering, replacement, and the unlocked readers.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/interrupt.h>

#include "harness.h"
#include "mock-fence.h"

struct fixture {
	struct dma_resv resv;
	long live_before;
};

static int resv_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->live_before = mock_fence_live();
	dma_resv_init(&f->resv);
	*state = f;
	return th_setup(state);
}

static int resv_teardown(void **state)
{
	struct fixture *f = *state;
	long leaked;

	th_teardown_threads();
	dma_resv_fini(&f->resv);
	leaked = mock_fence_live() - f->live_before;
	free(f);
	if (leaked)
		print_error("%ld mock fences leaked\n", leaked);
	return th_teardown(state) || leaked ? -1 : 0;
}

#define RESV_TEST(fn) cmocka_unit_test_setup_teardown(fn, resv_setup, resv_teardown)

/* Count fences a locked walk yields for @usage. */
static unsigned int count_locked(struct dma_resv *resv, enum dma_resv_usage usage)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	unsigned int n = 0;

	dma_resv_for_each_fence(&cursor, resv, usage, fence)
		n++;
	return n;
}

/* Lock, reserve, add, unlock: the common sequence. */
static void add_one(struct dma_resv *resv, struct dma_fence *fence,
		    enum dma_resv_usage usage)
{
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);
}

/* lock/trylock/unlock track the owner, as the per-thread tracking sees it. */
static void lock_sanity(void **state)
{
	struct fixture *f = *state;

	assert_false(dma_resv_is_locked(&f->resv));
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_true(dma_resv_is_locked(&f->resv));
	assert_true(dma_resv_held(&f->resv));
	assert_true(dma_resv_held_or_report(&f->resv));
	assert_null(dma_resv_locking_ctx(&f->resv));
	dma_resv_unlock(&f->resv);
	assert_true(dma_resv_trylock(&f->resv));
	dma_resv_unlock(&f->resv);
	assert_false(dma_resv_held(&f->resv));
}

/* locking inside an acquire context records the context. */
static void lock_with_ctx(void **state)
{
	struct fixture *f = *state;
	struct dma_resv other;
	struct ww_acquire_ctx ctx;

	dma_resv_init(&other);
	ww_acquire_init(&ctx, &reservation_ww_class);
	assert_int_equal(dma_resv_lock(&f->resv, &ctx), 0);
	assert_int_equal(dma_resv_lock(&other, &ctx), 0);
	assert_int_equal(dma_resv_lock(&other, &ctx), -EALREADY);
	ww_acquire_done(&ctx);
	assert_ptr_equal(dma_resv_locking_ctx(&f->resv), &ctx);
	assert_ptr_equal(dma_resv_locking_ctx(&other), &ctx);
	dma_resv_unlock(&other);
	dma_resv_unlock(&f->resv);
	ww_acquire_fini(&ctx);
	dma_resv_fini(&other);
}

/* a reserved slot takes a fence; the resv holds its own reference. */
static void reserve_then_add(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fence = mock_fence();

	add_one(&f->resv, fence, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dmb_kref_read(&fence->refcount), 2);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

/* adding without a reservation is reported, and the fence is not lost. */
static void add_without_reserve_reported(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fence = mock_fence();

	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_add_fence(&f->resv, fence, DMA_RESV_USAGE_READ);
	th_assert_warned("without a reserved slot");
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_READ), 1);
	dma_resv_unlock(&f->resv);
	assert_false(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_READ));
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

/* reservations end at unlock: the next session must reserve again. */
static void reservations_end_at_unlock(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fence = mock_fence();

	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(&f->resv, 1), 0);
	dma_resv_unlock(&f->resv);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_add_fence(&f->resv, fence, DMA_RESV_USAGE_READ);
	th_assert_warned("without a reserved slot");
	dma_resv_unlock(&f->resv);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

/* one reservation covers one add, not two. */
static void add_more_than_reserved_reported(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence();

	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(&f->resv, 1), 0);
	dma_resv_add_fence(&f->resv, a, DMA_RESV_USAGE_WRITE);
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	dma_resv_add_fence(&f->resv, b, DMA_RESV_USAGE_WRITE);
	th_assert_warned("without a reserved slot");
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_WRITE), 2);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* reserve, add and copy without the lock are reported and refused. */
static void writers_need_the_lock(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fence = mock_fence();
	struct dma_resv src;

	assert_int_equal(dma_resv_reserve_fences(&f->resv, 1), -EINVAL);
	th_assert_warned("is not held");
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(&f->resv, 1), 0);
	dma_resv_unlock(&f->resv);
	dma_resv_add_fence(&f->resv, fence, DMA_RESV_USAGE_WRITE);
	th_assert_warned("is not held");
	assert_false(dma_resv_is_locked(&f->resv));	/* not taken behind us */
	assert_true(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_BOOKKEEP));

	dma_resv_init(&src);
	add_one(&src, fence, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dma_resv_copy_fences(&f->resv, &src), -EINVAL);
	th_assert_warned("is not held");
	assert_true(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_BOOKKEEP));
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dma_resv_fini(&src);
}

/* a later fence of one timeline replaces the earlier one (same usage). */
static void same_context_replaces(void **state)
{
	struct fixture *f = *state;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *f1 = mock_fence_on(ctx, 1), *f2 = mock_fence_on(ctx, 2);

	add_one(&f->resv, f1, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, f2, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dmb_kref_read(&f1->refcount), 1);	/* resv let go */
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

/* replacement needs an equally strict usage: KERNEL is not replaced by BOOKKEEP. */
static void replace_only_as_strict(void **state)
{
	struct fixture *f = *state;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *f1 = mock_fence_on(ctx, 1), *f2 = mock_fence_on(ctx, 2);
	struct dma_fence *f3 = mock_fence_on(ctx, 3);

	add_one(&f->resv, f1, DMA_RESV_USAGE_KERNEL);
	add_one(&f->resv, f2, DMA_RESV_USAGE_BOOKKEEP);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_KERNEL), 1);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 2);
	dma_resv_unlock(&f->resv);
	/* a stricter later fence replaces a laxer earlier one */
	add_one(&f->resv, f3, DMA_RESV_USAGE_KERNEL);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 2);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_signal(f3);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

/* an earlier fence never replaces a later one of the same timeline. */
static void earlier_does_not_replace_later(void **state)
{
	struct fixture *f = *state;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *f1 = mock_fence_on(ctx, 1), *f2 = mock_fence_on(ctx, 2);
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	unsigned int n = 0;

	add_one(&f->resv, f2, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, f1, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_for_each_fence(&cursor, &f->resv, DMA_RESV_USAGE_WRITE, fence)
		n += fence == f2;
	assert_int_equal(n, 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

/* replacement compares seqnos as the timeline does: 32-bit wrap by default, 64-bit with init64. */
static void replace_across_32bit_wrap(void **state)
{
	struct fixture *f = *state;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *old = mock_fence_on(ctx, 0xfffffffeu);
	struct dma_fence *wrapped = mock_fence_on(ctx, 1);

	add_one(&f->resv, old, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, wrapped, DMA_RESV_USAGE_WRITE);
	/* seqno 1 is 3 steps after 0xfffffffe on a 32-bit timeline: replaced */
	assert_int_equal(dmb_kref_read(&old->refcount), 1);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(old);
	dma_fence_signal(wrapped);
	dma_fence_put(old);
	dma_fence_put(wrapped);
}

/* A fence whose signaled op says "complete", never polled before the add. */
static atomic_bool polled_done;

static bool polled_signaled(struct dma_fence *fence)
{
	return atomic_load(&polled_done);
}

static const char *polled_name(struct dma_fence *fence)
{
	return "polled";
}

static const struct dma_fence_ops polled_ops = {
	.get_driver_name = polled_name,
	.get_timeline_name = polled_name,
	.signaled = polled_signaled,
};

/* the add polls an old fence's signaled op: a complete one frees its slot even unpolled. */
static void complete_slot_reused_after_poll(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *done = calloc(1, sizeof(*done));
	struct dma_fence *b = mock_fence();

	assert_non_null(done);
	dma_fence_init(done, &polled_ops, NULL, dma_fence_context_alloc(1), 1);
	atomic_store(&polled_done, false);
	add_one(&f->resv, done, DMA_RESV_USAGE_READ);
	atomic_store(&polled_done, true);	/* complete, but nobody asked */
	assert_false(dma_fence_test_flag(done, DMA_FENCE_FLAG_SIGNALED_BIT));
	add_one(&f->resv, b, DMA_RESV_USAGE_READ);
	assert_true(dma_fence_test_flag(done, DMA_FENCE_FLAG_SIGNALED_BIT));
	assert_int_equal(dmb_kref_read(&done->refcount), 1);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(b);
	dma_fence_put(done);
	dma_fence_put(b);
}

/* the slot of a signaled fence is reused by the next add. */
static void signaled_slot_reused(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence();

	add_one(&f->resv, a, DMA_RESV_USAGE_READ);
	dma_fence_signal(a);
	add_one(&f->resv, b, DMA_RESV_USAGE_READ);
	assert_int_equal(dmb_kref_read(&a->refcount), 1);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 1);
	dma_resv_unlock(&f->resv);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(b);
}

/*
 * Asking for usage U sees exactly the fences with usage <= U, in the locked
 * walk, test_signaled and get_fences alike.
 */
static void usage_filtering(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fences[4];

	for (int u = DMA_RESV_USAGE_KERNEL; u <= DMA_RESV_USAGE_BOOKKEEP; u++) {
		fences[u] = mock_fence();
		add_one(&f->resv, fences[u], (enum dma_resv_usage)u);
	}
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	for (int u = DMA_RESV_USAGE_KERNEL; u <= DMA_RESV_USAGE_BOOKKEEP; u++)
		assert_int_equal(count_locked(&f->resv, (enum dma_resv_usage)u), u + 1);
	dma_resv_unlock(&f->resv);

	/* signal from the strictest up: each level becomes idle in turn */
	for (int u = DMA_RESV_USAGE_KERNEL; u <= DMA_RESV_USAGE_BOOKKEEP; u++) {
		struct dma_fence **got;
		unsigned int n;

		assert_false(dma_resv_test_signaled(&f->resv, (enum dma_resv_usage)u));
		assert_int_equal(dma_resv_get_fences(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
						     &n, &got), 0);
		assert_int_equal(n, 4 - u);
		for (unsigned int i = 0; i < n; i++)
			dma_fence_put(got[i]);
		free(got);

		dma_fence_signal(fences[u]);
		assert_true(dma_resv_test_signaled(&f->resv, (enum dma_resv_usage)u));
		if (u < DMA_RESV_USAGE_BOOKKEEP)
			assert_false(dma_resv_test_signaled(&f->resv,
							    DMA_RESV_USAGE_BOOKKEEP));
	}
	for (int u = 0; u < 4; u++)
		dma_fence_put(fences[u]);
}

/* the locked walk reports each fence's usage. */
static void iter_reports_usage(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *w = mock_fence(), *r = mock_fence();
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	add_one(&f->resv, w, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, r, DMA_RESV_USAGE_READ);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_for_each_fence(&cursor, &f->resv, DMA_RESV_USAGE_BOOKKEEP, fence)
		assert_int_equal(dma_resv_iter_usage(&cursor),
				 fence == w ? DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	dma_resv_unlock(&f->resv);
	assert_int_equal(dma_resv_usage_rw(true), DMA_RESV_USAGE_READ);
	assert_int_equal(dma_resv_usage_rw(false), DMA_RESV_USAGE_WRITE);
	assert_string_equal(dma_resv_usage_name(DMA_RESV_USAGE_BOOKKEEP), "bookkeep");
	dma_fence_signal(w);
	dma_fence_signal(r);
	dma_fence_put(w);
	dma_fence_put(r);
}

/* a locked walk without the lock is reported. */
static void locked_walk_needs_lock(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 0);
	th_assert_warned("is not held");
}

/* the unlocked walk skips signaled fences and restarts when the set changes. */
static void unlocked_walk_restarts(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence(), *c = mock_fence();
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	add_one(&f->resv, a, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, b, DMA_RESV_USAGE_WRITE);
	dma_fence_signal(a);

	dma_resv_iter_begin(&cursor, &f->resv, DMA_RESV_USAGE_BOOKKEEP);
	fence = dma_resv_iter_first_unlocked(&cursor);
	assert_ptr_equal(fence, b);	/* a skipped: signaled */
	assert_true(dma_resv_iter_is_restarted(&cursor));

	add_one(&f->resv, c, DMA_RESV_USAGE_READ);	/* the set changes */
	fence = dma_resv_iter_next_unlocked(&cursor);
	assert_true(dma_resv_iter_is_restarted(&cursor));
	assert_non_null(fence);
	fence = dma_resv_iter_next_unlocked(&cursor);
	assert_false(dma_resv_iter_is_restarted(&cursor));
	assert_null(dma_resv_iter_next_unlocked(&cursor));
	dma_resv_iter_end(&cursor);

	dma_fence_signal(b);
	dma_fence_signal(c);
	dma_fence_put(a);
	dma_fence_put(b);
	dma_fence_put(c);
}

/* with nothing pending, get_fences returns an empty set, not an error. */
static void get_fences_empty(void **state)
{
	struct fixture *f = *state;
	struct dma_fence **got = (void *)1;
	unsigned int n = 99;

	assert_int_equal(dma_resv_get_fences(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					     &n, &got), 0);
	assert_int_equal(n, 0);
	assert_null(got);
}

/* get_singleton: none -> NULL, one -> that fence, several -> an array. */
static void get_singleton_shapes(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence(), *single;

	assert_int_equal(dma_resv_get_singleton(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
						&single), 0);
	assert_null(single);

	add_one(&f->resv, a, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dma_resv_get_singleton(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
						&single), 0);
	assert_ptr_equal(single, a);
	dma_fence_put(single);

	add_one(&f->resv, b, DMA_RESV_USAGE_READ);
	/* WRITE sees only a */
	assert_int_equal(dma_resv_get_singleton(&f->resv, DMA_RESV_USAGE_WRITE,
						&single), 0);
	assert_ptr_equal(single, a);
	dma_fence_put(single);

	assert_int_equal(dma_resv_get_singleton(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
						&single), 0);
	assert_true(dma_fence_is_array(single));
	assert_int_equal(dma_fence_array_num_fences(single), 2);
	dma_fence_signal(a);
	assert_false(dma_fence_is_signaled(single));
	dma_fence_signal(b);
	assert_true(dma_fence_is_signaled(single));
	dma_fence_put(single);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* copy_fences gives dst src's pending fences with their usages. */
static void copy_fences_copies(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *w = mock_fence(), *r = mock_fence(), *done = mock_fence();
	struct dma_fence *old = mock_fence();
	struct dma_resv dst;

	dma_resv_init(&dst);
	add_one(&dst, old, DMA_RESV_USAGE_KERNEL);
	add_one(&f->resv, w, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, r, DMA_RESV_USAGE_READ);
	add_one(&f->resv, done, DMA_RESV_USAGE_READ);
	dma_fence_signal(done);

	assert_int_equal(dma_resv_copy_fences(&dst, &f->resv), -EINVAL);
	th_assert_warned("is not held");

	assert_int_equal(dma_resv_lock(&dst, NULL), 0);
	assert_int_equal(dma_resv_copy_fences(&dst, &f->resv), 0);
	assert_int_equal(count_locked(&dst, DMA_RESV_USAGE_KERNEL), 0);
	assert_int_equal(count_locked(&dst, DMA_RESV_USAGE_WRITE), 1);
	assert_int_equal(count_locked(&dst, DMA_RESV_USAGE_READ), 2);
	dma_resv_unlock(&dst);

	dma_fence_signal(w);
	dma_fence_signal(r);
	dma_fence_signal(old);
	dma_resv_fini(&dst);
	dma_fence_put(w);
	dma_fence_put(r);
	dma_fence_put(done);
	dma_fence_put(old);
}

struct signal_later {
	struct dma_fence *fence;
	int64_t delay_ns;
};

static void *signal_after(void *p)
{
	struct signal_later *s = p;

	th_sleep_ns(s->delay_ns);
	dma_fence_signal(s->fence);
	return NULL;
}

/* wait_timeout: 0 on timeout, time left once everything signaled. */
static void wait_timeout_semantics(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence();
	struct signal_later *sa = TH_NEW(struct signal_later, {
		a, 2 * NSEC_PER_MSEC,
	});
	struct signal_later *sb = TH_NEW(struct signal_later, {
		b, 4 * NSEC_PER_MSEC,
	});
	struct th_thread *ta, *tb;
	int64_t left;

	/* nothing to wait for: immediate, full budget */
	assert_int_equal(dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					       MAX_SCHEDULE_TIMEOUT),
			 MAX_SCHEDULE_TIMEOUT);

	add_one(&f->resv, a, DMA_RESV_USAGE_KERNEL);
	add_one(&f->resv, b, DMA_RESV_USAGE_BOOKKEEP);
	assert_int_equal(dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					       NSEC_PER_MSEC), 0);
	assert_int_equal(dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP, 0), 0);
	assert_int_equal(dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP, -1),
			 -EINVAL);
	th_assert_warned("negative timeout");

	ta = th_thread_start(signal_after, sa);
	tb = th_thread_start(signal_after, sb);
	/* KERNEL only waits for a */
	left = dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_KERNEL, 10 * NSEC_PER_SEC);
	assert_true(left > 0 && left <= 10 * NSEC_PER_SEC);
	assert_true(dma_fence_is_signaled(a));
	left = dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
				     MAX_SCHEDULE_TIMEOUT);
	assert_int_equal(left, MAX_SCHEDULE_TIMEOUT);
	assert_true(dma_fence_is_signaled(b));
	assert_int_equal(dma_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP, 0), 1);
	th_thread_join(ta);
	th_thread_join(tb);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* slots reserved before copy_fences are still there after it. */
static void copy_keeps_reservations(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence(), *src_fence = mock_fence();
	struct dma_resv empty, full;

	dma_resv_init(&empty);
	dma_resv_init(&full);
	add_one(&full, src_fence, DMA_RESV_USAGE_READ);

	/* from an empty source, and from a full one: two reserved adds each */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
		assert_int_equal(dma_resv_reserve_fences(&f->resv, 2), 0);
		assert_int_equal(dma_resv_copy_fences(&f->resv, i ? &full : &empty), 0);
		dma_resv_add_fence(&f->resv, a, DMA_RESV_USAGE_WRITE);
		dma_resv_add_fence(&f->resv, b, DMA_RESV_USAGE_WRITE);
		assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_BOOKKEEP), 2 + i);
		dma_resv_unlock(&f->resv);
	}
	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_signal(src_fence);
	dma_resv_fini(&empty);
	dma_resv_fini(&full);
	dma_fence_put(a);
	dma_fence_put(b);
	dma_fence_put(src_fence);
}

#define MANY_LOCKS	(DMB_LOCKDEP_MAX_HELD + 2)

/* held is exact past the per-thread tracking's limit: no false "not held". */
static void held_is_exact_past_tracking(void **state)
{
	struct dma_resv *objs = calloc(MANY_LOCKS, sizeof(*objs));
	struct ww_acquire_ctx ctx;

	assert_non_null(objs);
	ww_acquire_init(&ctx, &reservation_ww_class);
	for (int i = 0; i < MANY_LOCKS; i++) {
		dma_resv_init(&objs[i]);
		assert_int_equal(dma_resv_lock(&objs[i], &ctx), 0);
	}
	th_assert_warned("more than");		/* the tracking gave up ... */
	for (int i = 0; i < MANY_LOCKS; i++)	/* ... held did not */
		assert_true(dma_resv_held(&objs[i]));
	assert_true(dma_resv_held_or_report(&objs[MANY_LOCKS - 1]));
	assert_int_equal(dma_resv_reserve_fences(&objs[MANY_LOCKS - 1], 1), 0);
	for (int i = MANY_LOCKS - 1; i >= 0; i--)
		dma_resv_unlock(&objs[i]);
	ww_acquire_fini(&ctx);
	for (int i = 0; i < MANY_LOCKS; i++)
		dma_resv_fini(&objs[i]);
	free(objs);
	/* the locks beyond the limit were never recorded: their unlocks say so */
	while (th_take_report(DMB_DIAG_WARN, "not held by this thread"))
		;
}

/* fini drops the resv's references. */
static void fini_puts_fences(void **state)
{
	struct dma_resv resv;
	struct dma_fence *fence = mock_fence();

	dma_resv_init(&resv);
	add_one(&resv, fence, DMA_RESV_USAGE_BOOKKEEP);
	assert_int_equal(dmb_kref_read(&fence->refcount), 2);
	dma_resv_fini(&resv);
	assert_int_equal(dmb_kref_read(&fence->refcount), 1);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

/* many adds grow the table and keep every fence. */
static void many_fences_grow(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *fences[100];

	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	for (int i = 0; i < 100; i++) {
		fences[i] = mock_fence();
		assert_int_equal(dma_resv_reserve_fences(&f->resv, 1), 0);
		dma_resv_add_fence(&f->resv, fences[i], DMA_RESV_USAGE_READ);
	}
	assert_int_equal(count_locked(&f->resv, DMA_RESV_USAGE_READ), 100);
	dma_resv_unlock(&f->resv);
	for (int i = 0; i < 100; i++) {
		dma_fence_signal(fences[i]);
		dma_fence_put(fences[i]);
	}
	assert_true(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_BOOKKEEP));
}

/* replace_fences swaps every fence of one timeline for the replacement, with the new usage. */
static void replace_fences_of_context(void **state)
{
	struct fixture *f = *state;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_fence_on(ctx, 1), *other = mock_fence();
	struct dma_fence *repl = mock_fence();
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	unsigned int n = 0;

	add_one(&f->resv, a, DMA_RESV_USAGE_WRITE);
	add_one(&f->resv, other, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_replace_fences(&f->resv, ctx, repl, DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_for_each_fence(&cursor, &f->resv, DMA_RESV_USAGE_BOOKKEEP, fence) {
		assert_ptr_not_equal(fence, a);
		if (fence == repl) {
			assert_int_equal(dma_resv_iter_usage(&cursor), DMA_RESV_USAGE_BOOKKEEP);
			n++;
		}
	}
	dma_resv_unlock(&f->resv);
	assert_int_equal(n, 1);
	assert_int_equal(dmb_kref_read(&a->refcount), 1);
	/* without the lock: reported, nothing changes */
	dma_resv_replace_fences(&f->resv, other->context, repl, DMA_RESV_USAGE_READ);
	th_assert_warned("not held");
	dma_fence_signal(a);
	dma_fence_signal(other);
	dma_fence_signal(repl);
	dma_fence_put(a);
	dma_fence_put(other);
	dma_fence_put(repl);
}

static atomic_llong deadline_seen;

static void record_deadline(struct dma_fence *fence, int64_t deadline)
{
	atomic_store(&deadline_seen, deadline);
}

static const char *dl_name(struct dma_fence *fence)
{
	return "dl";
}

static const struct dma_fence_ops dl_ops = {
	.get_driver_name = dl_name,
	.get_timeline_name = dl_name,
	.set_deadline = record_deadline,
};

/* set_deadline passes the hint to the fences of the asked usage only. */
static void set_deadline_by_usage(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *dl = calloc(1, sizeof(*dl));

	assert_non_null(dl);
	dma_fence_init(dl, &dl_ops, NULL, dma_fence_context_alloc(1), 1);
	add_one(&f->resv, dl, DMA_RESV_USAGE_READ);
	atomic_store(&deadline_seen, 0);
	dma_resv_set_deadline(&f->resv, DMA_RESV_USAGE_WRITE, 10);
	assert_int_equal(atomic_load(&deadline_seen), 0);
	dma_resv_set_deadline(&f->resv, DMA_RESV_USAGE_READ, 20);
	assert_int_equal(atomic_load(&deadline_seen), 20);
	dma_fence_signal(dl);
	dma_fence_put(dl);
}

/* describe lists every fence with its usage, under the lock. */
static void describe_lists_fences(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence(), *b = mock_fence();
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	add_one(&f->resv, a, DMA_RESV_USAGE_KERNEL);
	add_one(&f->resv, b, DMA_RESV_USAGE_READ);
	dma_fence_signal(a);
	assert_int_equal(dma_resv_lock(&f->resv, NULL), 0);
	dma_resv_describe(&f->resv, out);
	dma_resv_unlock(&f->resv);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(text, "kernel fence mock:mock-timeline"));
	assert_non_null(strstr(text, "read fence mock:mock-timeline"));
	assert_non_null(strstr(text, "signaled"));
	assert_non_null(strstr(text, "pending"));
	free(text);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* an interruptible resv wait with a request pending returns -ERESTARTSYS; an idle set still succeeds. */
static void wait_interruptible(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *a = mock_fence();

	assert_int_equal(dmb_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					       true, 7), 7);
	add_one(&f->resv, a, DMA_RESV_USAGE_WRITE);
	assert_int_equal(dmb_thread_interrupt(pthread_self()), 0);
	assert_int_equal(dmb_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					       true, MAX_SCHEDULE_TIMEOUT),
			 -ERESTARTSYS);
	dmb_interrupt_clear();
	dma_fence_signal(a);
	assert_true(dmb_resv_wait_timeout(&f->resv, DMA_RESV_USAGE_BOOKKEEP,
					  true, MAX_SCHEDULE_TIMEOUT) > 0);
	dma_fence_put(a);
}

/* a container (a chain here) added as one fence is reported, as the kernel warns, and still added. */
static void add_container_reported(void **state)
{
	struct fixture *f = *state;
	struct dma_fence *inner = mock_fence();
	struct dma_fence_chain *chain = dma_fence_chain_alloc();
	struct dma_fence *point;

	assert_non_null(chain);
	dma_fence_chain_init(chain, NULL, dma_fence_get(inner), 1);
	point = dma_fence_chain_base(chain);
	add_one(&f->resv, point, DMA_RESV_USAGE_WRITE);
	th_assert_warned("member by member");
	assert_false(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_WRITE));
	dma_fence_signal(inner);
	assert_true(dma_resv_test_signaled(&f->resv, DMA_RESV_USAGE_WRITE));
	dma_fence_put(point);
	dma_fence_put(inner);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		RESV_TEST(lock_sanity),
		RESV_TEST(lock_with_ctx),
		RESV_TEST(reserve_then_add),
		RESV_TEST(add_without_reserve_reported),
		RESV_TEST(reservations_end_at_unlock),
		RESV_TEST(add_more_than_reserved_reported),
		RESV_TEST(writers_need_the_lock),
		RESV_TEST(same_context_replaces),
		RESV_TEST(replace_only_as_strict),
		RESV_TEST(earlier_does_not_replace_later),
		RESV_TEST(signaled_slot_reused),
		RESV_TEST(replace_across_32bit_wrap),
		RESV_TEST(complete_slot_reused_after_poll),
		RESV_TEST(usage_filtering),
		RESV_TEST(iter_reports_usage),
		RESV_TEST(locked_walk_needs_lock),
		RESV_TEST(unlocked_walk_restarts),
		RESV_TEST(get_fences_empty),
		RESV_TEST(get_singleton_shapes),
		RESV_TEST(copy_fences_copies),
		RESV_TEST(wait_timeout_semantics),
		RESV_TEST(copy_keeps_reservations),
		TH_TEST(held_is_exact_past_tracking),
		TH_TEST(fini_puts_fences),
		RESV_TEST(many_fences_grow),
		RESV_TEST(replace_fences_of_context),
		RESV_TEST(set_deadline_by_usage),
		RESV_TEST(describe_lists_fences),
		RESV_TEST(wait_interruptible),
		RESV_TEST(add_container_reported),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
