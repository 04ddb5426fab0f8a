// SPDX-License-Identifier: MIT
/*
 * clock.c - real and virtual clocks.
 *
 * The real clock is a static singleton reading CLOCK_MONOTONIC; its
 * stoppable sleeps are CLOCK_MONOTONIC timed waits on one condition
 * variable, which dmb_clock_kick() broadcasts.
 *
 * A virtual clock holds its reading and a list of its parked sleepers, each
 * a record on the sleeper's stack with its deadline, its stop predicate and
 * a "woken" flag. A sleeper parks only while its deadline is ahead and its
 * predicate false; it is taken off the list, and its flag set, by whoever
 * ends the wait: an advance that reaches the deadline, or a kick that finds
 * the predicate true (evaluated by the kicker). That same step counts an
 * actor busy again (clock.h explains actors), which is what makes
 * "every actor parked" a state only the driver can leave.
 *
 * Locking: clock->lock protects everything of a virtual clock and is never
 * held while calling out of this file, except for the stop predicates
 * (documented in clock.h as leaf checks). The current actor is per thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>
#include <dmabuf/list.h>

/* One parked wait on a virtual clock; lives on the sleeper's stack. */
struct clock_sleeper {
	struct dmb_list_head node;	/* on clock->sleepers while parked */
	int64_t deadline_ns;
	bool (*stop)(void *arg);
	void *arg;
	unsigned int actor;		/* the sleeper's actor id, 0 if none */
	bool woken;
	pthread_cond_t wake;		/* signalled when woken: only this sleeper */
};

struct dmb_clock {
	bool is_virtual;
	int64_t now_ns;
	pthread_mutex_t lock;
	pthread_cond_t advanced;	/* real clock: kicked */
	pthread_cond_t settled;		/* every actor is parked */
	struct dmb_list_head sleepers;
	unsigned int actors;		/* reserved slots */
	unsigned int parked;		/* actors on the sleeper list */
	unsigned int last_actor_id;
	bool driven;			/* a driver has settled it */
};

/* The clock (and id) the calling thread is an actor of. */
static _Thread_local struct dmb_clock *current_clock;
static _Thread_local unsigned int current_actor;

static struct dmb_clock real_clock = {
	.is_virtual = false,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.advanced = PTHREAD_COND_INITIALIZER,
};

/* End @s's wait: off the list, and an actor counts as busy again. Lock held. */
static void wake_one(struct dmb_clock *clock, struct clock_sleeper *s)
{
	dmb_list_del(&s->node);
	s->woken = true;
	if (s->actor)
		clock->parked--;
	pthread_cond_signal(&s->wake);
}

/* Wake every sleeper whose deadline the clock has reached. Lock held. */
static void wake_due(struct dmb_clock *clock)
{
	struct clock_sleeper *s, *tmp;

	dmb_list_for_each_entry_safe(s, tmp, &clock->sleepers, node)
		if (s->deadline_ns <= clock->now_ns)
			wake_one(clock, s);
}

static bool wake_ready(struct dmb_clock *clock);

/*
 * Sleep on a virtual clock until @deadline_ns or until @stop (may be NULL)
 * is true; park in between. An actor of @clock parks as that actor.
 */
static int virtual_sleep(struct dmb_clock *clock, int64_t deadline_ns,
			 bool (*stop)(void *arg), void *arg)
{
	struct clock_sleeper s = {
		.deadline_ns = deadline_ns, .stop = stop, .arg = arg,
		.actor = current_clock == clock ? current_actor : 0,
	};
	int ret = 0;

	pthread_cond_init(&s.wake, NULL);
	pthread_mutex_lock(&clock->lock);
	for (;;) {
		if (stop && stop(arg)) {
			ret = -ECANCELED;
			break;
		}
		if (clock->now_ns >= deadline_ns)
			break;
		s.woken = false;
		dmb_list_add_tail(&s.node, &clock->sleepers);
		if (s.actor && ++clock->parked == clock->actors)
			pthread_cond_broadcast(&clock->settled);
		while (!s.woken)
			pthread_cond_wait(&s.wake, &clock->lock);
	}
	pthread_mutex_unlock(&clock->lock);
	pthread_cond_destroy(&s.wake);
	return ret;
}

int64_t dmb_ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

struct dmb_clock *dmb_clock_real(void)
{
	return &real_clock;
}

struct dmb_clock *dmb_clock_create_virtual(int64_t start_ns)
{
	struct dmb_clock *clock = calloc(1, sizeof(*clock));
	pthread_condattr_t attr;

	if (!clock)
		return NULL;
	clock->is_virtual = true;
	clock->now_ns = start_ns;
	dmb_list_init(&clock->sleepers);
	pthread_mutex_init(&clock->lock, NULL);
	pthread_cond_init(&clock->advanced, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&clock->settled, &attr);
	pthread_condattr_destroy(&attr);
	return clock;
}

void dmb_clock_destroy(struct dmb_clock *clock)
{
	if (!clock || !clock->is_virtual)
		return;
	DMB_WARN(!dmb_list_empty(&clock->sleepers) || clock->actors,
		 "virtual clock destroyed with %u actor(s) or a sleeper left",
		 clock->actors);
	pthread_cond_destroy(&clock->settled);
	pthread_cond_destroy(&clock->advanced);
	pthread_mutex_destroy(&clock->lock);
	free(clock);
}

bool dmb_clock_is_virtual(const struct dmb_clock *clock)
{
	if (DMB_WARN(!clock, "dmb_clock_is_virtual(NULL)"))
		return false;

	return clock->is_virtual;
}

int64_t dmb_clock_now(struct dmb_clock *clock)
{
	int64_t now;

	if (DMB_WARN(!clock, "dmb_clock_now(NULL)"))
		return dmb_ktime_get_ns();

	if (!clock->is_virtual)
		return dmb_ktime_get_ns();
	pthread_mutex_lock(&clock->lock);
	now = clock->now_ns;
	pthread_mutex_unlock(&clock->lock);
	return now;
}

int dmb_clock_advance(struct dmb_clock *clock, int64_t delta_ns)
{
	if (DMB_WARN(!clock || !clock->is_virtual,
		     "dmb_clock_advance on a real clock"))
		return -EINVAL;
	if (DMB_WARN(delta_ns < 0, "clock cannot go back (delta %lld ns)",
		     (long long)delta_ns))
		return -EINVAL;

	pthread_mutex_lock(&clock->lock);
	clock->now_ns += delta_ns;
	wake_due(clock);
	pthread_mutex_unlock(&clock->lock);
	return 0;
}

int dmb_clock_sleep_until(struct dmb_clock *clock, int64_t deadline_ns)
{
	if (DMB_WARN(!clock, "dmb_clock_sleep_until(NULL)"))
		return -EINVAL;

	if (!clock->is_virtual) {
		struct timespec ts = {
			.tv_sec = deadline_ns / NSEC_PER_SEC,
			.tv_nsec = deadline_ns % NSEC_PER_SEC,
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		return 0;
	}

	return virtual_sleep(clock, deadline_ns, NULL, NULL);
}

int dmb_clock_sleep_until_or(struct dmb_clock *clock, int64_t deadline_ns,
			     bool (*stop)(void *arg), void *arg)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NSEC_PER_SEC,
		.tv_nsec = deadline_ns % NSEC_PER_SEC,
	};
	int ret = 0;

	if (DMB_WARN(!clock, "dmb_clock_sleep_until_or(NULL)"))
		return -EINVAL;

	if (clock->is_virtual)
		return virtual_sleep(clock, deadline_ns, stop, arg);
	pthread_mutex_lock(&clock->lock);
	for (;;) {
		if (stop(arg)) {
			ret = -ECANCELED;
			break;
		}
		if (dmb_ktime_get_ns() >= deadline_ns)
			break;
		pthread_cond_clockwait(&clock->advanced, &clock->lock,
				       CLOCK_MONOTONIC, &ts);
	}
	pthread_mutex_unlock(&clock->lock);
	return ret;
}

void dmb_clock_kick(struct dmb_clock *clock)
{
	if (DMB_WARN(!clock, "dmb_clock_kick(NULL)"))
		return;

	pthread_mutex_lock(&clock->lock);
	if (clock->is_virtual)
		wake_ready(clock);
	else
		pthread_cond_broadcast(&clock->advanced);
	pthread_mutex_unlock(&clock->lock);
}

unsigned int dmb_clock_actor_expect(struct dmb_clock *clock)
{
	unsigned int id;

	if (DMB_WARN(!clock, "dmb_clock_actor_expect(NULL)"))
		return 0;

	if (!clock->is_virtual)
		return 0;
	pthread_mutex_lock(&clock->lock);
	clock->actors++;
	id = ++clock->last_actor_id;
	pthread_mutex_unlock(&clock->lock);
	return id;
}

/* One actor fewer: the rest may now all be parked. Lock held. */
static void actor_gone(struct dmb_clock *clock)
{
	clock->actors--;
	if (clock->parked == clock->actors)
		pthread_cond_broadcast(&clock->settled);
}

void dmb_clock_actor_cancel(struct dmb_clock *clock, unsigned int id)
{
	if (DMB_WARN(!clock, "dmb_clock_actor_cancel(NULL)"))
		return;

	if (!id)
		return;
	pthread_mutex_lock(&clock->lock);
	actor_gone(clock);
	pthread_mutex_unlock(&clock->lock);
}

void dmb_clock_actor_begin(struct dmb_clock *clock, unsigned int id)
{
	if (DMB_WARN(!clock, "dmb_clock_actor_begin(NULL)"))
		return;

	if (!id)
		return;
	DMB_WARN(current_clock, "thread is already actor %u of a clock",
		 current_actor);
	current_clock = clock;
	current_actor = id;
}

void dmb_clock_actor_end(void)
{
	struct dmb_clock *clock = current_clock;

	if (!clock)
		return;
	pthread_mutex_lock(&clock->lock);
	actor_gone(clock);
	pthread_mutex_unlock(&clock->lock);
	current_clock = NULL;
	current_actor = 0;
}

struct dmb_clock *dmb_clock_current(void)
{
	return current_clock;
}

/* Wake every sleeper whose predicate is true. Lock held. Return: any woken. */
static bool wake_ready(struct dmb_clock *clock)
{
	struct clock_sleeper *s, *tmp;
	bool woke = false;

	dmb_list_for_each_entry_safe(s, tmp, &clock->sleepers, node) {
		if (s->stop && s->stop(s->arg)) {
			wake_one(clock, s);
			woke = true;
		}
	}
	return woke;
}

/*
 * Wait (lock held) until every actor is parked with its predicate false, or
 * @guard_ns of real time. The predicates are evaluated again once all are
 * parked: a condition made true without a kick (a lock released by a thread
 * that cannot know who waits for it) still ends its wait at this instant.
 */
static int settle_locked(struct dmb_clock *clock, int64_t guard_ns)
{
	int64_t deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), guard_ns);
	struct timespec ts = {
		.tv_sec = deadline / NSEC_PER_SEC,
		.tv_nsec = deadline % NSEC_PER_SEC,
	};

	clock->driven = true;
	do {
		while (clock->parked < clock->actors)
			if (pthread_cond_clockwait(&clock->settled, &clock->lock,
						   CLOCK_MONOTONIC, &ts) == ETIMEDOUT &&
			    clock->parked < clock->actors)
				return -ETIMEDOUT;
	} while (wake_ready(clock));
	return 0;
}

static bool refuse_driver(const struct dmb_clock *clock, const char *what)
{
	return DMB_WARN(!clock || !clock->is_virtual || current_clock == clock,
			"%s: needs a virtual clock and a thread that is not its actor",
			what);
}

int dmb_clock_wait_settled(struct dmb_clock *clock, int64_t guard_ns)
{
	int ret;

	if (refuse_driver(clock, "dmb_clock_wait_settled"))
		return -EINVAL;
	pthread_mutex_lock(&clock->lock);
	ret = settle_locked(clock, guard_ns);
	pthread_mutex_unlock(&clock->lock);
	return ret;
}

/* The parked sleeper with the earliest (deadline, actor id); lock held. */
static struct clock_sleeper *first_sleeper(struct dmb_clock *clock)
{
	struct clock_sleeper *s, *first = NULL;

	dmb_list_for_each_entry(s, &clock->sleepers, node) {
		if (s->deadline_ns == MAX_SCHEDULE_TIMEOUT)
			continue;
		if (!first || s->deadline_ns < first->deadline_ns ||
		    (s->deadline_ns == first->deadline_ns &&
		     s->actor - 1 < first->actor - 1))	/* non-actors last */
			first = s;
	}
	return first;
}

bool dmb_clock_driven(struct dmb_clock *clock)
{
	bool driven;

	if (DMB_WARN(!clock, "dmb_clock_driven(NULL)"))
		return false;

	if (!clock->is_virtual)
		return false;
	pthread_mutex_lock(&clock->lock);
	driven = clock->driven;
	pthread_mutex_unlock(&clock->lock);
	return driven;
}

int64_t dmb_clock_next_deadline(struct dmb_clock *clock)
{
	struct clock_sleeper *s;
	int64_t next = MAX_SCHEDULE_TIMEOUT;

	if (DMB_WARN(!clock, "dmb_clock_next_deadline(NULL)"))
		return MAX_SCHEDULE_TIMEOUT;

	if (!clock->is_virtual)
		return next;
	pthread_mutex_lock(&clock->lock);
	s = first_sleeper(clock);
	if (s)
		next = s->deadline_ns;
	pthread_mutex_unlock(&clock->lock);
	return next;
}

int dmb_clock_run_until(struct dmb_clock *clock, int64_t until_ns,
			int64_t guard_ns)
{
	struct clock_sleeper *s;
	int ret;

	if (refuse_driver(clock, "dmb_clock_run_until"))
		return -EINVAL;
	pthread_mutex_lock(&clock->lock);
	for (;;) {
		ret = settle_locked(clock, guard_ns);
		if (ret)
			goto out;
		s = first_sleeper(clock);
		if (!s || s->deadline_ns > until_ns)
			break;
		if (s->deadline_ns > clock->now_ns)
			clock->now_ns = s->deadline_ns;
		wake_one(clock, s);
	}
	if (until_ns > clock->now_ns)
		clock->now_ns = until_ns;
	ret = settle_locked(clock, guard_ns);
out:
	pthread_mutex_unlock(&clock->lock);
	return ret;
}
