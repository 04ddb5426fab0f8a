/* SPDX-License-Identifier: MIT */
/*
 * clock.h - time as an object: real monotonic time or a virtual clock.
 *
 * All time in libdmabuf is int64_t nanoseconds. Timeouts are relative
 * durations; MAX_SCHEDULE_TIMEOUT, the kernel's name, means "forever". Waits
 * return the time left (> 0) when the condition came true, 0 on timeout, or
 * a negative errno.
 *
 * A real clock reads CLOCK_MONOTONIC. A virtual clock stands still until
 * someone calls dmb_clock_advance() (the way a test advances a sw_sync
 * timeline): simulated work scheduled on it completes exactly when the test
 * says so, whatever the speed of the machine.
 *
 * Locking: every function may be called from any thread; the virtual clock
 * serialises itself with an internal mutex, never held across a callback.
 */
#ifndef DMABUF_CLOCK_H
#define DMABUF_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/* The "wait forever" timeout, as in the kernel. */
#define MAX_SCHEDULE_TIMEOUT	INT64_MAX

#define NSEC_PER_USEC	1000LL
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

struct dmb_clock;

/**
 * dmb_clock_real - the process-wide real monotonic clock
 *
 * Return: a clock that is never destroyed; dmb_clock_destroy() ignores it.
 */
struct dmb_clock *dmb_clock_real(void);

/**
 * dmb_clock_create_virtual - a clock that moves only when advanced
 * @start_ns: its initial reading
 *
 * Return: the clock, or NULL with errno set (ENOMEM).
 */
struct dmb_clock *dmb_clock_create_virtual(int64_t start_ns);

/**
 * dmb_clock_destroy - free a virtual clock
 * @clock: the clock (NULL and the real clock are ignored)
 *
 * Context: no thread may be sleeping on @clock.
 */
void dmb_clock_destroy(struct dmb_clock *clock);

/** dmb_clock_is_virtual - true if @clock only moves when advanced */
bool dmb_clock_is_virtual(const struct dmb_clock *clock);

/** dmb_clock_now - the clock's current reading in nanoseconds */
int64_t dmb_clock_now(struct dmb_clock *clock);

/**
 * dmb_clock_advance - move a virtual clock forward
 * @clock: a virtual clock
 * @delta_ns: how far, >= 0
 *
 * Wakes every thread sleeping on @clock whose deadline has been reached.
 * Return: 0, or -EINVAL for a real clock or a negative delta.
 */
int dmb_clock_advance(struct dmb_clock *clock, int64_t delta_ns);

/**
 * dmb_clock_sleep_until - block until the clock reads at least @deadline_ns
 * @clock: the clock
 * @deadline_ns: absolute reading to wait for
 *
 * Context: may sleep; must not be called with a library lock held.
 * Return: 0.
 */
int dmb_clock_sleep_until(struct dmb_clock *clock, int64_t deadline_ns);

/**
 * dmb_clock_sleep_until_or - as dmb_clock_sleep_until(), but give up early
 * once @stop(@arg) is true
 * @clock: the clock (real or virtual)
 * @deadline_ns: absolute reading to wait for
 * @stop: the stop predicate; evaluated on entry and on every wake-up with
 *	the clock's internal lock held, so it must be a quick check of the
 *	caller's own state (an atomic load) that calls nothing in the library
 * @arg: passed to @stop
 *
 * Whoever makes the predicate true calls dmb_clock_kick() afterwards; the
 * sleeper then re-evaluates it. This is how a simulated engine sleeping on a
 * virtual clock that nobody advances any more can still be shut down.
 * Context: may sleep; must not be called with a library lock held.
 * Return: 0 once the clock reads at least @deadline_ns, -ECANCELED if the
 * predicate was true first (checked before the deadline).
 */
int dmb_clock_sleep_until_or(struct dmb_clock *clock, int64_t deadline_ns,
			     bool (*stop)(void *arg), void *arg);

/**
 * dmb_clock_kick - wake every stoppable sleeper of @clock to re-check its
 * stop predicate (sleepers whose predicate is still false sleep on)
 *
 * Context: any thread; takes the clock's internal lock briefly.
 */
void dmb_clock_kick(struct dmb_clock *clock);

/**
 * dmb_ktime_get_ns - CLOCK_MONOTONIC now, in nanoseconds
 */
int64_t dmb_ktime_get_ns(void);

/*
 * dmb_timeout_deadline - absolute CLOCK_MONOTONIC deadline for a relative
 * @timeout_ns, saturating (MAX_SCHEDULE_TIMEOUT stays "forever").
 */
static inline int64_t dmb_timeout_deadline(int64_t now_ns, int64_t timeout_ns)
{
	if (timeout_ns >= MAX_SCHEDULE_TIMEOUT - now_ns)
		return MAX_SCHEDULE_TIMEOUT;
	return now_ns + timeout_ns;
}

DMB_END_DECLS

#endif /* DMABUF_CLOCK_H */
