// SPDX-License-Identifier: MIT
/*
 * test-lock-order.c - V10: resv locks taken in opposite orders outside an
 * acquire context are reported once, naming both; inside a context, in one
 * order, or across a destroyed lock they are not.
 */
#include <stdio.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/lockdep.h>

#include "harness.h"

static struct dma_resv resv[3];

static int resv_setup(void **state)
{
	for (size_t i = 0; i < DMB_ARRAY_SIZE(resv); i++)
		dma_resv_init(&resv[i]);
	dmb_check_reset();
	return th_setup(state);
}

static int resv_teardown(void **state)
{
	th_teardown_threads();
	for (size_t i = 0; i < DMB_ARRAY_SIZE(resv); i++)
		dma_resv_fini(&resv[i]);
	return th_teardown(state);
}

#define RESV_TEST(fn) cmocka_unit_test_setup_teardown(fn, resv_setup, resv_teardown)

/* Lock @first then @second without a context, then unlock both. */
static void lock_pair(struct dma_resv *first, struct dma_resv *second)
{
	assert_int_equal(dma_resv_lock(first, NULL), 0);
	assert_int_equal(dma_resv_lock(second, NULL), 0);
	dma_resv_unlock(second);
	dma_resv_unlock(first);
}

/* Claim the V10 report of taking @taken while holding @held. */
static bool take_inversion(struct dma_resv *held, struct dma_resv *taken)
{
	char needle[160];

	snprintf(needle, sizeof(needle),
		 "took reservation_ww_class_mutex %p while holding "
		 "reservation_ww_class_mutex %p",
		 (void *)&taken->lock.dep_map, (void *)&held->lock.dep_map);
	return th_take_report(DMB_DIAG_VIOLATION, needle);
}

/* A then B, later B then A: exactly one V10, naming both locks. */
static void inversion_reported_once(void **state)
{
	lock_pair(&resv[0], &resv[1]);
	assert_int_equal(dmb_check_total(), 0);
	lock_pair(&resv[1], &resv[0]);
	assert_true(take_inversion(&resv[1], &resv[0]));
	/* either order again is known: no new report */
	lock_pair(&resv[1], &resv[0]);
	lock_pair(&resv[0], &resv[1]);
	assert_int_equal(dmb_check_count(DMB_V10_LOCK_INVERSION), 1);
	assert_int_equal(dmb_check_total(), 1);
}

/* The same order twice is no inversion. */
static void same_order_is_silent(void **state)
{
	lock_pair(&resv[0], &resv[1]);
	lock_pair(&resv[0], &resv[1]);
	assert_int_equal(dmb_check_total(), 0);
}

/* Hold B, trylock A: the usual way around A-then-B, never an inversion. */
static void trylock_adds_no_order(void **state)
{
	lock_pair(&resv[0], &resv[1]);
	assert_int_equal(dma_resv_lock(&resv[1], NULL), 0);
	assert_true(dma_resv_trylock(&resv[0]));
	dma_resv_unlock(&resv[0]);
	dma_resv_unlock(&resv[1]);
	assert_int_equal(dmb_check_total(), 0);
	/* A lock taken after a trylocked one still orders after it. */
	assert_true(dma_resv_trylock(&resv[1]));
	assert_int_equal(dma_resv_lock(&resv[0], NULL), 0);
	assert_true(take_inversion(&resv[1], &resv[0]));
	dma_resv_unlock(&resv[0]);
	dma_resv_unlock(&resv[1]);
}

/* Inside an acquire context the opposite order is wait-die's job: no V10. */
static void acquire_ctx_is_exempt(void **state)
{
	struct ww_acquire_ctx ctx;

	lock_pair(&resv[0], &resv[1]);
	ww_acquire_init(&ctx, &reservation_ww_class);
	assert_int_equal(dma_resv_lock(&resv[1], &ctx), 0);
	assert_int_equal(dma_resv_lock(&resv[0], &ctx), 0);
	dma_resv_unlock(&resv[0]);
	dma_resv_unlock(&resv[1]);
	ww_acquire_fini(&ctx);
	assert_int_equal(dmb_check_total(), 0);
}

/* A cycle through a third lock (A->B, B->C, then C->A) is an inversion too. */
static void longer_cycle_reported(void **state)
{
	struct dmb_check_record rec;

	lock_pair(&resv[0], &resv[1]);
	lock_pair(&resv[1], &resv[2]);
	lock_pair(&resv[2], &resv[0]);
	assert_true(take_inversion(&resv[2], &resv[0]));
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_non_null(strstr(rec.detail, "in 2 steps"));
	assert_int_equal(dmb_check_count(DMB_V10_LOCK_INVERSION), 1);
}

static void *lock_pair_thread(void *arg)
{
	struct dma_resv **pair = arg;

	lock_pair(pair[0], pair[1]);
	return NULL;
}

/* Orders seen in different threads are compared: the inversion needs no deadlock. */
static void inversion_across_threads(void **state)
{
	struct dma_resv *ab[] = { &resv[0], &resv[1] };
	struct dma_resv *ba[] = { &resv[1], &resv[0] };

	th_thread_join(th_thread_start(lock_pair_thread, ab));
	th_thread_join(th_thread_start(lock_pair_thread, ba));
	assert_true(take_inversion(&resv[1], &resv[0]));
}

/* After dma_resv_fini and re-init at the same address, old edges are gone. */
static void fini_forgets_order(void **state)
{
	lock_pair(&resv[0], &resv[1]);
	dma_resv_fini(&resv[0]);
	dma_resv_init(&resv[0]);
	lock_pair(&resv[1], &resv[0]);
	assert_int_equal(dmb_check_total(), 0);
}

static const char order_name[] = "test_order_class";
static const char other_name[] = "test_unchecked_class";

/* Lock @first then @second as bare lockdep maps, then release both. */
static void map_pair(const struct dmb_lockdep_map *first,
		     const struct dmb_lockdep_map *second)
{
	dmb_lockdep_acquire(first, NULL);
	dmb_lockdep_acquire(second, NULL);
	dmb_lockdep_release(second);
	dmb_lockdep_release(first);
}

/* dmb_lockdep_forget drops the edges of a map, whichever side they are on. */
static void forget_drops_edges(void **state)
{
	const struct dmb_lockdep_map a = { order_name }, b = { order_name };

	assert_int_equal(dmb_lockdep_track_order(order_name), 0);
	map_pair(&a, &b);
	dmb_lockdep_forget(&b);
	map_pair(&b, &a);
	dmb_lockdep_forget(&a);
	map_pair(&a, &b);
	assert_int_equal(dmb_check_total(), 0);
	dmb_lockdep_forget(&a);
	dmb_lockdep_forget(&b);
}

/* Locks whose name is not registered are not order-checked. */
static void unregistered_names_unchecked(void **state)
{
	const struct dmb_lockdep_map a = { other_name }, b = { other_name };

	map_pair(&a, &b);
	map_pair(&b, &a);
	assert_int_equal(dmb_check_total(), 0);
}

#define WORKERS		4
#define ROUNDS		200

/* Each worker takes its own pair of resv locks in one order, then destroys them. */
static void *consistent_worker(void *arg)
{
	struct dma_resv pair[2];

	for (int i = 0; i < ROUNDS; i++) {
		dma_resv_init(&pair[0]);
		dma_resv_init(&pair[1]);
		lock_pair(&pair[0], &pair[1]);
		lock_pair(&pair[0], &pair[1]);
		dma_resv_fini(&pair[1]);
		dma_resv_fini(&pair[0]);
	}
	return NULL;
}

/* Threads adding and forgetting edges at once find no inversion. */
static void concurrent_consistent_order(void **state)
{
	struct th_thread *threads[WORKERS];

	for (int i = 0; i < WORKERS; i++)
		threads[i] = th_thread_start(consistent_worker, NULL);
	for (int i = 0; i < WORKERS; i++)
		th_thread_join(threads[i]);
	assert_int_equal(dmb_check_total(), 0);
}

/* Registration: NULL is refused, twice is harmless, the table is bounded. */
static void track_order_registration(void **state)
{
	static const char names[DMB_LOCKDEP_ORDER_NAMES][8];
	int ret = 0;

	assert_int_equal(dmb_lockdep_track_order(NULL), -EINVAL);
	th_assert_warned("NULL name");
	assert_int_equal(dmb_lockdep_track_order(order_name), 0);
	assert_int_equal(dmb_lockdep_track_order(reservation_ww_class.mutex_name), 0);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(names) && !ret; i++)
		ret = dmb_lockdep_track_order(names[i]);
	assert_int_equal(ret, -ENOSPC);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		RESV_TEST(fini_forgets_order),
		RESV_TEST(inversion_reported_once),
		RESV_TEST(same_order_is_silent),
		RESV_TEST(trylock_adds_no_order),
		RESV_TEST(acquire_ctx_is_exempt),
		RESV_TEST(longer_cycle_reported),
		RESV_TEST(inversion_across_threads),
		RESV_TEST(forget_drops_edges),
		RESV_TEST(unregistered_names_unchecked),
		RESV_TEST(concurrent_consistent_order),
		/* fills the name table: keep it last */
		RESV_TEST(track_order_registration),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
