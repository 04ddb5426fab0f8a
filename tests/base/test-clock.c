// SPDX-License-Identifier: MIT
/* test-clock.c - a virtual clock moves only when advanced, and wakes sleepers then. */
#include <stdatomic.h>

#include <dmabuf/clock.h>

#include "harness.h"

/* the real clock is monotonic and cannot be advanced by hand. */
static void real_clock_is_monotonic(void **state)
{
	struct dmb_clock *c = dmb_clock_real();
	int64_t a = dmb_clock_now(c), b = dmb_clock_now(c);

	assert_false(dmb_clock_is_virtual(c));
	assert_true(b >= a);
	assert_int_equal(dmb_clock_advance(c, 1), -EINVAL);
	th_assert_warned("real clock");
	dmb_clock_destroy(c);	/* ignored for the real clock */
}

/* a virtual clock reads exactly what it was advanced to. */
static void virtual_clock_moves_by_hand(void **state)
{
	struct dmb_clock *c = dmb_clock_create_virtual(100);

	assert_non_null(c);
	assert_true(dmb_clock_is_virtual(c));
	assert_int_equal(dmb_clock_now(c), 100);
	th_sleep_ns(NSEC_PER_MSEC);
	assert_int_equal(dmb_clock_now(c), 100);
	assert_int_equal(dmb_clock_advance(c, 50), 0);
	assert_int_equal(dmb_clock_now(c), 150);
	assert_int_equal(dmb_clock_advance(c, -1), -EINVAL);
	th_assert_warned("cannot go back");
	assert_int_equal(dmb_clock_now(c), 150);
	dmb_clock_destroy(c);
}

struct sleeper {
	struct dmb_clock *clock;
	int64_t deadline;
	atomic_bool done;
};

static void *sleep_thread(void *p)
{
	struct sleeper *s = p;

	dmb_clock_sleep_until(s->clock, s->deadline);
	atomic_store(&s->done, true);
	return NULL;
}

/* a sleeper wakes when, and only when, the clock reaches its deadline. */
static void virtual_sleep_wakes_at_deadline(void **state)
{
	struct sleeper s = { .clock = dmb_clock_create_virtual(0), .deadline = 1000 };
	struct th_thread *t;

	t = th_thread_start(sleep_thread, &s);
	dmb_clock_advance(s.clock, 999);
	th_sleep_ns(5 * NSEC_PER_MSEC);
	assert_false(atomic_load(&s.done));
	dmb_clock_advance(s.clock, 1);
	th_thread_join(t);
	assert_true(atomic_load(&s.done));
	dmb_clock_destroy(s.clock);
}

/* a real-clock sleep lasts at least until the deadline. */
static void real_sleep_reaches_deadline(void **state)
{
	struct dmb_clock *c = dmb_clock_real();
	int64_t deadline = dmb_clock_now(c) + NSEC_PER_MSEC;

	assert_int_equal(dmb_clock_sleep_until(c, deadline), 0);
	assert_true(dmb_clock_now(c) >= deadline);
}

/* deadlines saturate: "forever" never overflows into the past. */
static void timeout_deadline_saturates(void **state)
{
	assert_int_equal(dmb_timeout_deadline(5, 10), 15);
	assert_int_equal(dmb_timeout_deadline(5, MAX_SCHEDULE_TIMEOUT),
			 MAX_SCHEDULE_TIMEOUT);
	assert_int_equal(dmb_timeout_deadline(INT64_MAX - 1, 5),
			 MAX_SCHEDULE_TIMEOUT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(real_clock_is_monotonic),
		TH_TEST(virtual_clock_moves_by_hand),
		TH_TEST(virtual_sleep_wakes_at_deadline),
		TH_TEST(real_sleep_reaches_deadline),
		TH_TEST(timeout_deadline_saturates),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
