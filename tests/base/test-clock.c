// SPDX-License-Identifier: MIT
/* test-clock.c - a virtual clock moves only when advanced, and wakes sleepers then. */
#include <stdatomic.h>

#include <dmabuf/clock.h>

#include "harness.h"
#include "../../src/base/timeout-private.h"

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
	struct sleeper *s = TH_NEW(struct sleeper, {
		.clock = dmb_clock_create_virtual(0), .deadline = 1000,
	});
	struct th_thread *t;

	t = th_thread_start(sleep_thread, s);
	dmb_clock_advance(s->clock, 999);
	th_sleep_ns(5 * NSEC_PER_MSEC);
	assert_false(atomic_load(&s->done));
	dmb_clock_advance(s->clock, 1);
	th_thread_join(t);
	assert_true(atomic_load(&s->done));
	dmb_clock_destroy(s->clock);
}

/* a real-clock sleep lasts at least until the deadline. */
static void real_sleep_reaches_deadline(void **state)
{
	struct dmb_clock *c = dmb_clock_real();
	int64_t deadline = dmb_clock_now(c) + NSEC_PER_MSEC;

	assert_int_equal(dmb_clock_sleep_until(c, deadline), 0);
	assert_true(dmb_clock_now(c) >= deadline);
}

struct stoppable {
	struct dmb_clock *clock;
	int64_t deadline;
	atomic_bool stop;
	atomic_int ret;
	atomic_bool done;
};

static bool stoppable_stop(void *arg)
{
	struct stoppable *s = arg;

	return atomic_load(&s->stop);
}

static void *stoppable_thread(void *p)
{
	struct stoppable *s = p;

	atomic_store(&s->ret, dmb_clock_sleep_until_or(s->clock, s->deadline,
						       stoppable_stop, s));
	atomic_store(&s->done, true);
	return NULL;
}

/* a stoppable sleep on a clock nobody advances ends with -ECANCELED once stopped and kicked. */
static void stoppable_sleep_ends_on_kick(void **state)
{
	struct dmb_clock *clocks[] = { dmb_clock_create_virtual(0), dmb_clock_real() };

	for (size_t i = 0; i < DMB_ARRAY_SIZE(clocks); i++) {
		struct stoppable *s = TH_NEW(struct stoppable, {
			.clock = clocks[i],
			.deadline = dmb_clock_now(clocks[i]) + 3600 * NSEC_PER_SEC,
		});
		struct th_thread *t = th_thread_start(stoppable_thread, s);

		dmb_clock_kick(s->clock);	/* predicate still false: sleeps on */
		th_sleep_ns(2 * NSEC_PER_MSEC);
		assert_false(atomic_load(&s->done));
		atomic_store(&s->stop, true);
		dmb_clock_kick(s->clock);
		th_thread_join(t);
		assert_int_equal(atomic_load(&s->ret), -ECANCELED);
	}
	dmb_clock_destroy(clocks[0]);
}

/* a stoppable sleep whose predicate stays false ends at the deadline with 0. */
static void stoppable_sleep_reaches_deadline(void **state)
{
	struct stoppable *v = TH_NEW(struct stoppable, {
		.clock = dmb_clock_create_virtual(0), .deadline = 500,
	});
	struct dmb_clock *real = dmb_clock_real();
	struct stoppable r = { .clock = real };
	struct th_thread *t = th_thread_start(stoppable_thread, v);

	dmb_clock_advance(v->clock, 500);
	th_thread_join(t);
	assert_int_equal(atomic_load(&v->ret), 0);
	dmb_clock_destroy(v->clock);

	r.deadline = dmb_clock_now(real) + NSEC_PER_MSEC;
	assert_int_equal(dmb_clock_sleep_until_or(real, r.deadline, stoppable_stop, &r), 0);
	assert_true(dmb_clock_now(real) >= r.deadline);
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

/*
 * the blocking waits' deadline arithmetic: forever has no bound, a passed
 * deadline ends the sleep, and a met wait reports at least 1 left.
 */
static void deadline_arithmetic(void **state)
{
	const int64_t hour = 3600 * NSEC_PER_SEC;
	struct timespec rel, *timeout;
	int64_t left;

	assert_true(__dmb_deadline_timespec(MAX_SCHEDULE_TIMEOUT, &rel, &timeout));
	assert_null(timeout);
	assert_int_equal(__dmb_deadline_left(MAX_SCHEDULE_TIMEOUT),
			 MAX_SCHEDULE_TIMEOUT);

	assert_false(__dmb_deadline_timespec(dmb_ktime_get_ns() - 1, &rel, &timeout));
	assert_null(timeout);
	assert_int_equal(__dmb_deadline_left(dmb_ktime_get_ns() - 1), 1);

	/* An hour ahead: what is left is positive (only a hang uses it up). */
	assert_true(__dmb_deadline_timespec(dmb_ktime_get_ns() + hour, &rel,
					    &timeout));
	assert_ptr_equal(timeout, &rel);
	assert_true(rel.tv_nsec >= 0 && rel.tv_nsec < NSEC_PER_SEC);
	left = rel.tv_sec * NSEC_PER_SEC + rel.tv_nsec;
	assert_true(left > 0 && left <= hour);
	left = __dmb_deadline_left(dmb_ktime_get_ns() + hour);
	assert_true(left > 1 && left <= hour);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(real_clock_is_monotonic),
		TH_TEST(virtual_clock_moves_by_hand),
		TH_TEST(virtual_sleep_wakes_at_deadline),
		TH_TEST(real_sleep_reaches_deadline),
		TH_TEST(stoppable_sleep_ends_on_kick),
		TH_TEST(stoppable_sleep_reaches_deadline),
		TH_TEST(timeout_deadline_saturates),
		TH_TEST(deadline_arithmetic),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
