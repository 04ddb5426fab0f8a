// SPDX-License-Identifier: MIT
/* test-lockdep.c - held-lock tracking is per thread and catches misuse. */
#include <dmabuf/lockdep.h>

#include "harness.h"

static const struct dmb_lockdep_map lock_a = { "lock_a" };
static const struct dmb_lockdep_map lock_b = { "lock_b" };

/* acquire/release track what this thread holds, with its context. */
static void tracks_held_locks(void **state)
{
	int ctx;

	assert_int_equal(dmb_lockdep_depth(), 0);
	dmb_lockdep_acquire(&lock_a, NULL);
	dmb_lockdep_acquire(&lock_b, &ctx);
	assert_true(dmb_lockdep_is_held(&lock_a));
	assert_true(dmb_lockdep_is_held(&lock_b));
	assert_ptr_equal(dmb_lockdep_held_ctx(&lock_b), &ctx);
	assert_null(dmb_lockdep_held_ctx(&lock_a));
	assert_int_equal(dmb_lockdep_depth(), 2);
	/* out-of-order release is legal */
	assert_true(dmb_lockdep_release(&lock_a));
	assert_false(dmb_lockdep_is_held(&lock_a));
	assert_true(dmb_lockdep_is_held(&lock_b));
	assert_true(dmb_lockdep_release(&lock_b));
	assert_int_equal(dmb_lockdep_depth(), 0);
}

/* assert_held reports a lock the thread does not hold. */
static void assert_held_reports(void **state)
{
	dmb_lockdep_assert_held(&lock_a);
	th_assert_warned("lock_a is not held");
	dmb_lockdep_acquire(&lock_a, NULL);
	dmb_lockdep_assert_held(&lock_a);		/* quiet: held */
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	dmb_lockdep_assert_not_held(&lock_a);
	th_assert_warned("lock_a is held");
	dmb_lockdep_release(&lock_a);
}

/* releasing a lock not held, and recursion, are reported. */
static void misuse_reported(void **state)
{
	assert_false(dmb_lockdep_release(&lock_a));
	th_assert_warned("not held by this thread");
	dmb_lockdep_acquire(&lock_a, NULL);
	dmb_lockdep_acquire(&lock_a, NULL);
	th_assert_warned("recursive acquisition");
	assert_int_equal(dmb_lockdep_depth(), 1);
	dmb_lockdep_release(&lock_a);
}

static void *holds_in_other_thread(void *arg)
{
	return (void *)(uintptr_t)dmb_lockdep_is_held(&lock_a);
}

/* a lock held by one thread is not held by another. */
static void tracking_is_per_thread(void **state)
{
	dmb_lockdep_acquire(&lock_a, NULL);
	assert_null(th_thread_join(th_thread_start(holds_in_other_thread, NULL)));
	dmb_lockdep_release(&lock_a);
}

static bool count_held(const struct dmb_lockdep_map *map, const void *ctx,
		       void *data)
{
	(*(int *)data)++;
	return map != &lock_a;	/* stop after lock_a */
}

/* for_each_held walks oldest first and stops when asked. */
static void for_each_held_stops(void **state)
{
	int n = 0;

	dmb_lockdep_acquire(&lock_a, NULL);
	dmb_lockdep_acquire(&lock_b, NULL);
	dmb_lockdep_for_each_held(count_held, &n);
	assert_int_equal(n, 1);
	dmb_lockdep_release(&lock_b);
	dmb_lockdep_release(&lock_a);
}

/* signalling sections nest; an unmatched end is reported. */
static void signalling_sections_nest(void **state)
{
	bool outer, inner;

	assert_false(dmb_fence_in_signalling());
	outer = dmb_fence_begin_signalling();
	inner = dmb_fence_begin_signalling();
	dmb_fence_end_signalling(inner);
	assert_true(dmb_fence_in_signalling());
	dmb_fence_end_signalling(outer);
	assert_false(dmb_fence_in_signalling());
	dmb_fence_end_signalling(true);
	th_assert_warned("without a matching begin");
}

/* overflowing the held-lock table is reported once, not a crash. */
static void overflow_reported(void **state)
{
	static struct dmb_lockdep_map maps[DMB_LOCKDEP_MAX_HELD + 2];

	for (int i = 0; i < DMB_LOCKDEP_MAX_HELD + 2; i++) {
		maps[i].name = "many";
		dmb_lockdep_acquire(&maps[i], NULL);
	}
	th_assert_warned("more than");
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	assert_int_equal(dmb_lockdep_depth(), DMB_LOCKDEP_MAX_HELD);
	for (int i = 0; i < DMB_LOCKDEP_MAX_HELD; i++)
		dmb_lockdep_release(&maps[i]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(tracks_held_locks),
		TH_TEST(assert_held_reports),
		TH_TEST(misuse_reported),
		TH_TEST(tracking_is_per_thread),
		TH_TEST(for_each_held_stops),
		TH_TEST(signalling_sections_nest),
		TH_TEST(overflow_reported),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
