// SPDX-License-Identifier: MIT
/* test-completion.c - complete() releases one waiter, complete_all() all of them. */
#include <stdatomic.h>

#include <dmabuf/clock.h>
#include <dmabuf/completion.h>

#include "harness.h"

/* a wait on a completion nobody completes times out and returns 0. */
static void wait_times_out(void **state)
{
	struct dmb_completion c;
	int64_t t0 = dmb_ktime_get_ns();

	assert_int_equal(dmb_init_completion(&c), 0);
	assert_int_equal(dmb_wait_for_completion_timeout(&c, 2 * NSEC_PER_MSEC), 0);
	assert_true(dmb_ktime_get_ns() - t0 >= 2 * NSEC_PER_MSEC);
	dmb_completion_fini(&c);
}

/* a complete() before the wait is banked: the wait returns time left at once. */
static void complete_before_wait_is_banked(void **state)
{
	struct dmb_completion c;
	int64_t left;

	assert_int_equal(dmb_init_completion(&c), 0);
	dmb_complete(&c);
	assert_true(dmb_completion_done(&c));
	left = dmb_wait_for_completion_timeout(&c, NSEC_PER_SEC);
	assert_true(left > 0 && left <= NSEC_PER_SEC);
	/* consumed: a second wait times out */
	assert_false(dmb_completion_done(&c));
	assert_int_equal(dmb_wait_for_completion_timeout(&c, 0), 0);
	dmb_completion_fini(&c);
}

/* complete_all() satisfies every wait until the completion is re-armed. */
static void complete_all_until_reinit(void **state)
{
	struct dmb_completion c;

	assert_int_equal(dmb_init_completion(&c), 0);
	dmb_complete_all(&c);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dmb_wait_for_completion_timeout(&c, MAX_SCHEDULE_TIMEOUT),
				 MAX_SCHEDULE_TIMEOUT);
	dmb_reinit_completion(&c);
	assert_false(dmb_completion_done(&c));
	assert_int_equal(dmb_wait_for_completion_timeout(&c, 0), 0);
	dmb_completion_fini(&c);
}

/* a negative timeout is misuse: reported, -EINVAL. */
static void negative_timeout_rejected(void **state)
{
	struct dmb_completion c;

	assert_int_equal(dmb_init_completion(&c), 0);
	assert_int_equal(dmb_wait_for_completion_timeout(&c, -1), -EINVAL);
	th_assert_warned("negative timeout");
	dmb_completion_fini(&c);
}

#define WAITERS 4

struct waiter_arg {
	struct dmb_completion *c;
	atomic_int *woken;
};

static void *waiter(void *p)
{
	struct waiter_arg *a = p;

	dmb_wait_for_completion(a->c);
	atomic_fetch_add(a->woken, 1);
	return NULL;
}

/* threads blocked in a wait are all released by complete_all(). */
static void complete_all_wakes_sleepers(void **state)
{
	struct dmb_completion *c = th_alloc(sizeof(*c));
	atomic_int *woken = th_alloc(sizeof(*woken));
	struct waiter_arg *arg = TH_NEW(struct waiter_arg, { c, woken });
	struct th_thread *t[WAITERS];

	atomic_init(woken, 0);
	assert_int_equal(dmb_init_completion(c), 0);
	for (int i = 0; i < WAITERS; i++)
		t[i] = th_thread_start(waiter, arg);
	th_sleep_ns(5 * NSEC_PER_MSEC);
	assert_int_equal(atomic_load(woken), 0);
	dmb_complete_all(c);
	for (int i = 0; i < WAITERS; i++)
		th_thread_join(t[i]);
	assert_int_equal(atomic_load(woken), WAITERS);
	dmb_completion_fini(c);
}

/* each complete() releases exactly one sleeper. */
static void complete_releases_one(void **state)
{
	struct dmb_completion *c = th_alloc(sizeof(*c));
	atomic_int *woken = th_alloc(sizeof(*woken));
	struct waiter_arg *arg = TH_NEW(struct waiter_arg, { c, woken });
	struct th_thread *t[2];

	atomic_init(woken, 0);
	assert_int_equal(dmb_init_completion(c), 0);
	t[0] = th_thread_start(waiter, arg);
	t[1] = th_thread_start(waiter, arg);
	dmb_complete(c);
	assert_true(TH_WAIT_UNTIL(atomic_load(woken) >= 1));
	th_sleep_ns(5 * NSEC_PER_MSEC);	/* a second wake-up would show by now */
	assert_int_equal(atomic_load(woken), 1);
	dmb_complete(c);
	th_thread_join(t[0]);
	th_thread_join(t[1]);
	assert_int_equal(atomic_load(woken), 2);
	dmb_completion_fini(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(wait_times_out),
		TH_TEST(complete_before_wait_is_banked),
		TH_TEST(complete_all_until_reinit),
		TH_TEST(negative_timeout_rejected),
		TH_TEST(complete_all_wakes_sleepers),
		TH_TEST(complete_releases_one),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
