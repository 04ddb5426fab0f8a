// SPDX-License-Identifier: MIT
/*
 * test-revoke-reserve.c - the cut reserve (src/buf/dma-buf-revoke-reserve.c):
 * the part of a revoke's unmap bound kept for cutting importer processes
 * off and taking the memory back. It is never more than half the bound,
 * nothing for no bound; a costlier cut raises it at once, and it is
 * forgotten after a window of cheaper ones. The revoke's use of
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

/* The starting estimate, and the window's length (the source's). */
#define START	(1 * MS)
#define WINDOW	8

/* No bound, nothing to keep; never more than half of a bound. */
static void test_reserve_at_most_half(void **state)
{
	(void)state;
	assert_int_equal(dmb_revoke_reserve_ns(0), 0);
	assert_int_equal(dmb_revoke_reserve_ns(-5), 0);
	assert_int_equal(dmb_revoke_reserve_ns(MAX_SCHEDULE_TIMEOUT), 0);
	assert_int_equal(dmb_revoke_reserve_ns(100 * MS), START + START / 4);
	dmb_revoke_reserve_note(80 * MS);
	assert_int_equal(dmb_revoke_reserve_ns(100 * MS), 50 * MS);
	assert_int_equal(dmb_revoke_reserve_ns(1 * MS), MS / 2);
	assert_int_equal(dmb_revoke_reserve_ns(3), 1);
}

/* A cut that cost more than the estimate raises it at once, a quarter more. */
static void test_costlier_cut_raises(void **state)
{
	(void)state;
	dmb_revoke_reserve_note(8 * MS);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 10 * MS);
	dmb_revoke_reserve_note(2 * MS);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 10 * MS);
}

/*
 * The costliest cut is forgotten after WINDOW cheaper ones, not before;
 * then the reserve is the costliest of those, never less.
 */
static void test_window_forgets(void **state)
{
	(void)state;
	dmb_revoke_reserve_note(20 * MS);
	for (int i = 0; i < WINDOW - 1; i++) {
		dmb_revoke_reserve_note(i == 3 ? 400 * 1000 : 200 * 1000);
		assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 25 * MS);
	}
	dmb_revoke_reserve_note(200 * 1000);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 500 * 1000);
	dmb_revoke_reserve_note(-1);	/* a clock going back: counts as 0 */
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 500 * 1000);
}

/*
 * The exporter's take-back raises its cut's own figure (the helper's is
 * only its part), and never lowers it.
 */
static void test_take_back_raises_its_cut(void **state)
{
	unsigned int slot;

	(void)state;
	for (int i = 0; i < WINDOW; i++)
		dmb_revoke_reserve_note(100 * 1000);
	slot = dmb_revoke_reserve_note(200 * 1000);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 250 * 1000);
	dmb_revoke_reserve_raise(slot, 800 * 1000);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 1000 * 1000);
	dmb_revoke_reserve_raise(slot, 300 * 1000);
	assert_int_equal(dmb_revoke_reserve_ns(10000 * MS), 1000 * 1000);
}

#define RESERVE_TEST(fn) cmocka_unit_test_setup_teardown(fn, reset, th_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		RESERVE_TEST(test_reserve_at_most_half),
		RESERVE_TEST(test_costlier_cut_raises),
		RESERVE_TEST(test_window_forgets),
		RESERVE_TEST(test_take_back_raises_its_cut),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
