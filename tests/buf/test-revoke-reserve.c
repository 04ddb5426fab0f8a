// SPDX-License-Identifier: MIT
/*
 * test-revoke-reserve.c - the cut reserve (src/buf/dma-buf-revoke-reserve.c):
 * the part of a revoke's unmap bound kept for cutting importer processes
 * off and taking the memory back. It is never more than half the bound,
 * nothing for no bound; a costlier cut raises it at once, cheaper ones
 * lower it step by step, never below what they cost. The revoke's use of
 * it, with real processes, is tested in ipc/test-ipc-threats
 * (test_cut_off_without_dispatcher).
 */
#include <dmabuf/clock.h>

#include "harness.h"
#include "../../src/buf/dma-buf-revoke-private.h"

#define MS	(1000 * 1000LL)

static int reset(void **state)
{
	dmb_revoke_reserve_reset();
	return th_setup(state);
}

/* No bound, nothing to keep; never more than half of a bound. */
static void test_reserve_at_most_half(void **state)
{
	(void)state;
	assert_int_equal(dmb_revoke_reserve_ns(0), 0);
	assert_int_equal(dmb_revoke_reserve_ns(-5), 0);
	assert_int_equal(dmb_revoke_reserve_ns(MAX_SCHEDULE_TIMEOUT), 0);
	assert_true(dmb_revoke_reserve_ns(100 * MS) > 0);
	dmb_revoke_reserve_note(80 * MS, false);
	assert_int_equal(dmb_revoke_reserve_ns(100 * MS), 50 * MS);
	assert_int_equal(dmb_revoke_reserve_ns(1 * MS), MS / 2);
	assert_int_equal(dmb_revoke_reserve_ns(3), 1);
}

/* A cut that cost more than the estimate raises it at once, with a margin. */
static void test_costlier_cut_raises(void **state)
{
	int64_t before;

	(void)state;
	before = dmb_revoke_reserve_ns(10000 * MS);
	dmb_revoke_reserve_note(before + 7 * MS, true);
	assert_true(dmb_revoke_reserve_ns(10000 * MS) >= before + 7 * MS);
	before = dmb_revoke_reserve_ns(10000 * MS);
	dmb_revoke_reserve_note(before * 2, false);
	assert_true(dmb_revoke_reserve_ns(10000 * MS) >= before * 2);
}

/*
 * Cheaper cuts lower it only with decay (once per cut), and never below
 * what the cuts cost; a figure noted without decay (the take-back, noted
 * after the helper's own figure of the same cut) lowers nothing.
 */
static void test_cheaper_cuts_decay(void **state)
{
	int64_t high, prev, now;

	(void)state;
	dmb_revoke_reserve_note(20 * MS, false);
	high = dmb_revoke_reserve_ns(10000 * MS);
	dmb_revoke_reserve_note(1 * MS, false);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), high);
	prev = high;
	for (int i = 0; i < 200; i++) {
		dmb_revoke_reserve_note(1 * MS, true);
		now = dmb_revoke_reserve_ns(10000 * MS);
		assert_true(now <= prev);
		assert_true(now >= 1 * MS);
		prev = now;
	}
	assert_true(prev < high / 4);
	dmb_revoke_reserve_note(-1, true);	/* a clock going back: ignored */
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), prev);
}

#define RESERVE_TEST(fn) cmocka_unit_test_setup_teardown(fn, reset, th_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		RESERVE_TEST(test_reserve_at_most_half),
		RESERVE_TEST(test_costlier_cut_raises),
		RESERVE_TEST(test_cheaper_cuts_decay),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
