// SPDX-License-Identifier: MIT
/*
 * test-clock-actors.c - discrete-event time on a virtual clock: a driver
 * waits until every actor is parked, and dmb_clock_run_until() wakes the
 * sleepers one at a time in (deadline, actor id) order, so what the actors
 * do, and in which order, never depends on how the threads are scheduled.
 *
 * No verdict here waits for time to pass: the settled state is a condition
 * the clock reports, and every wait has a hang guard only.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <dmabuf/clock.h>

#include "harness.h"

#define GUARD_NS	(30 * NSEC_PER_SEC)	/* catches a hang, decides nothing */
#define NR_ACTORS	4

struct actor {
	struct dmb_clock *clock;
	unsigned int id;
	int64_t deadlines[3];		/* sleeps until each, in turn */
	atomic_bool go;			/* predicate of the first, unbounded park */
	struct log *log;
};

/* What the actors did, in order: written only by the running actor. */
struct log {
	pthread_mutex_t lock;
	unsigned int ids[64];
	int64_t at[64];
	unsigned int n;
};

static void log_add(struct log *l, unsigned int id, int64_t at)
{
	pthread_mutex_lock(&l->lock);
	if (l->n < DMB_ARRAY_SIZE(l->ids)) {
		l->ids[l->n] = id;
		l->at[l->n] = at;
		l->n++;
	}
	pthread_mutex_unlock(&l->lock);
}

static bool actor_go(void *arg)
{
	struct actor *a = arg;

	return atomic_load(&a->go);
}

static void *actor_main(void *arg)
{
	struct actor *a = arg;

	dmb_clock_actor_begin(a->clock, a->id);
	dmb_clock_sleep_until_or(a->clock, MAX_SCHEDULE_TIMEOUT, actor_go, a);
	log_add(a->log, a->id, dmb_clock_now(a->clock));
	for (unsigned int i = 0; i < DMB_ARRAY_SIZE(a->deadlines); i++) {
		dmb_clock_sleep_until(a->clock, a->deadlines[i]);
		log_add(a->log, a->id, dmb_clock_now(a->clock));
	}
	dmb_clock_actor_end();
	return NULL;
}

struct world {
	struct dmb_clock *clock;
	struct actor actors[NR_ACTORS];
	struct th_thread *threads[NR_ACTORS];
	struct log log;
};

/* Actors 1..4; all wake at 10, then at 20 + ..., actor i also at 15 - i. */
static void world_start(struct world *w)
{
	w->clock = dmb_clock_create_virtual(0);
	assert_non_null(w->clock);
	pthread_mutex_init(&w->log.lock, NULL);
	for (unsigned int i = 0; i < NR_ACTORS; i++) {
		struct actor *a = &w->actors[i];

		a->clock = w->clock;
		a->log = &w->log;
		a->deadlines[0] = 10;
		a->deadlines[1] = 15 - i;
		a->deadlines[2] = 20;
		a->id = dmb_clock_actor_expect(w->clock);
		assert_int_equal(a->id, i + 1);
		w->threads[i] = th_thread_start(actor_main, a);
	}
}

static void world_stop(struct world *w)
{
	for (unsigned int i = 0; i < NR_ACTORS; i++)
		th_thread_join(w->threads[i]);
	dmb_clock_destroy(w->clock);
	pthread_mutex_destroy(&w->log.lock);
}

/* settled means every actor is parked: none has run before it was told to. */
static void settled_means_every_actor_parked(void **state)
{
	struct world *w = th_alloc(sizeof(*w));

	world_start(w);
	assert_int_equal(dmb_clock_wait_settled(w->clock, GUARD_NS), 0);
	assert_int_equal(w->log.n, 0);
	assert_int_equal(dmb_clock_next_deadline(w->clock), MAX_SCHEDULE_TIMEOUT);

	/* A kick wakes only the actor whose predicate is true. */
	atomic_store(&w->actors[2].go, true);
	dmb_clock_kick(w->clock);
	assert_int_equal(dmb_clock_wait_settled(w->clock, GUARD_NS), 0);
	assert_int_equal(w->log.n, 1);
	assert_int_equal(w->log.ids[0], 3);
	assert_int_equal(dmb_clock_next_deadline(w->clock), 10);

	for (unsigned int i = 0; i < NR_ACTORS; i++)
		atomic_store(&w->actors[i].go, true);
	dmb_clock_kick(w->clock);
	assert_int_equal(dmb_clock_run_until(w->clock, 100, GUARD_NS), 0);
	world_stop(w);
}

/* run_until wakes one sleeper at a time, by deadline, then by actor id. */
static void run_until_orders_by_deadline_then_actor(void **state)
{
	static const unsigned int want_ids[] = {
		1, 2, 3, 4,		/* go, in id order: one run_until each */
		1, 2, 3, 4,		/* deadline 10: a tie, by id */
		4, 3, 2, 1,		/* deadlines 11, 12, 13, 14 */
		1, 2, 3, 4,		/* deadline 20: a tie, by id */
	};
	static const int64_t want_at[] = {
		0, 0, 0, 0, 10, 10, 10, 10, 12, 13, 14, 15, 20, 20, 20, 20,
	};
	struct world *w = th_alloc(sizeof(*w));

	world_start(w);
	for (unsigned int i = 0; i < NR_ACTORS; i++) {
		atomic_store(&w->actors[i].go, true);
		dmb_clock_kick(w->clock);
		assert_int_equal(dmb_clock_wait_settled(w->clock, GUARD_NS), 0);
	}
	assert_int_equal(dmb_clock_run_until(w->clock, 12, GUARD_NS), 0);
	assert_int_equal(dmb_clock_now(w->clock), 12);
	assert_int_equal(w->log.n, 9);
	assert_int_equal(dmb_clock_run_until(w->clock, 1000, GUARD_NS), 0);
	assert_int_equal(dmb_clock_now(w->clock), 1000);
	assert_int_equal(w->log.n, DMB_ARRAY_SIZE(want_ids));
	for (unsigned int i = 0; i < w->log.n; i++) {
		assert_int_equal(w->log.ids[i], want_ids[i]);
		assert_int_equal(w->log.at[i], want_at[i]);
	}
	world_stop(w);
}

/* a driver call from an actor, or on a real clock, is refused. */
static void driver_calls_refused_from_actor_or_real_clock(void **state)
{
	struct dmb_clock *c = dmb_clock_create_virtual(0);
	unsigned int id = dmb_clock_actor_expect(c);

	assert_int_equal(dmb_clock_actor_expect(dmb_clock_real()), 0);
	assert_int_equal(dmb_clock_run_until(dmb_clock_real(), 1, GUARD_NS), -EINVAL);
	th_assert_warned("virtual clock");
	dmb_clock_actor_begin(c, id);
	assert_ptr_equal(dmb_clock_current(), c);
	assert_int_equal(dmb_clock_wait_settled(c, GUARD_NS), -EINVAL);
	th_assert_warned("not its actor");
	dmb_clock_actor_end();
	assert_null(dmb_clock_current());
	dmb_clock_destroy(c);
}

/* an actor that never parks is reported by the guard, not waited for forever. */
static void settle_guard_catches_a_busy_actor(void **state)
{
	struct dmb_clock *c = dmb_clock_create_virtual(0);
	unsigned int id = dmb_clock_actor_expect(c);

	assert_int_equal(dmb_clock_wait_settled(c, NSEC_PER_MSEC), -ETIMEDOUT);
	dmb_clock_actor_cancel(c, id);
	assert_int_equal(dmb_clock_wait_settled(c, GUARD_NS), 0);
	dmb_clock_destroy(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(settled_means_every_actor_parked),
		TH_TEST(run_until_orders_by_deadline_then_actor),
		TH_TEST(driver_calls_refused_from_actor_or_real_clock),
		TH_TEST(settle_guard_catches_a_busy_actor),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
