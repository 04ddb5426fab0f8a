// SPDX-License-Identifier: MIT
/*
 * clock.c - real and virtual clocks.
 *
 * The real clock is a static singleton reading CLOCK_MONOTONIC. A virtual
 * clock holds its reading under an internal mutex; sleepers wait on a
 * condition variable that dmb_clock_advance() broadcasts, and re-check their
 * deadline on every wake-up.
 *
 * Stoppable sleeps (dmb_clock_sleep_until_or()) wait on the same condition
 * variable — for the real clock, with a CLOCK_MONOTONIC timed wait — and
 * also re-check their stop predicate on every wake-up; dmb_clock_kick()
 * broadcasts it, so whoever makes a predicate true and then kicks cannot be
 * missed: the predicate is evaluated under clock->lock, which the kick takes.
 *
 * Locking: clock->lock protects now_ns of a virtual clock and is never held
 * while calling out of this file, except for the stop predicate of a
 * stoppable sleep (documented in clock.h as a leaf check).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>

struct dmb_clock {
	bool is_virtual;
	int64_t now_ns;
	pthread_mutex_t lock;
	pthread_cond_t advanced;
};

static struct dmb_clock real_clock = {
	.is_virtual = false,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.advanced = PTHREAD_COND_INITIALIZER,
};

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

	if (!clock)
		return NULL;
	clock->is_virtual = true;
	clock->now_ns = start_ns;
	pthread_mutex_init(&clock->lock, NULL);
	pthread_cond_init(&clock->advanced, NULL);
	return clock;
}

void dmb_clock_destroy(struct dmb_clock *clock)
{
	if (!clock || !clock->is_virtual)
		return;
	pthread_cond_destroy(&clock->advanced);
	pthread_mutex_destroy(&clock->lock);
	free(clock);
}

bool dmb_clock_is_virtual(const struct dmb_clock *clock)
{
	return clock->is_virtual;
}

int64_t dmb_clock_now(struct dmb_clock *clock)
{
	int64_t now;

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
	pthread_cond_broadcast(&clock->advanced);
	pthread_mutex_unlock(&clock->lock);
	return 0;
}

int dmb_clock_sleep_until(struct dmb_clock *clock, int64_t deadline_ns)
{
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

	pthread_mutex_lock(&clock->lock);
	while (clock->now_ns < deadline_ns)
		pthread_cond_wait(&clock->advanced, &clock->lock);
	pthread_mutex_unlock(&clock->lock);
	return 0;
}

int dmb_clock_sleep_until_or(struct dmb_clock *clock, int64_t deadline_ns,
			     bool (*stop)(void *arg), void *arg)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NSEC_PER_SEC,
		.tv_nsec = deadline_ns % NSEC_PER_SEC,
	};
	int ret = 0;

	pthread_mutex_lock(&clock->lock);
	for (;;) {
		if (stop(arg)) {
			ret = -ECANCELED;
			break;
		}
		if (!clock->is_virtual) {
			if (dmb_ktime_get_ns() >= deadline_ns)
				break;
			pthread_cond_clockwait(&clock->advanced, &clock->lock,
					       CLOCK_MONOTONIC, &ts);
			continue;
		}
		if (clock->now_ns >= deadline_ns)
			break;
		pthread_cond_wait(&clock->advanced, &clock->lock);
	}
	pthread_mutex_unlock(&clock->lock);
	return ret;
}

void dmb_clock_kick(struct dmb_clock *clock)
{
	pthread_mutex_lock(&clock->lock);
	pthread_cond_broadcast(&clock->advanced);
	pthread_mutex_unlock(&clock->lock);
}
