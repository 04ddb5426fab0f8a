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
 *
 * A NULL clock is reported and refused by every function but
 * dmb_clock_destroy() (which ignores it, as free() does): int functions
 * return -EINVAL, dmb_clock_now() the real time, dmb_clock_next_deadline()
 * MAX_SCHEDULE_TIMEOUT (nothing due), bool ones false, the others nothing.
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
 * Context: any thread, no lock.
 * Return: a clock that is never destroyed; dmb_clock_destroy() ignores it.
 */
struct dmb_clock *dmb_clock_real(void);

/**
 * dmb_clock_create_virtual - a clock that moves only when advanced
 * @start_ns: its initial reading
 *
 * Context: any thread.
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

/**
 * dmb_clock_is_virtual - true if @clock only moves when advanced
 *
 * Context: any thread, no lock.
 */
bool dmb_clock_is_virtual(const struct dmb_clock *clock);

/**
 * dmb_clock_now - the clock's current reading in nanoseconds
 *
 * Context: any thread; a virtual clock takes its internal leaf lock.
 */
int64_t dmb_clock_now(struct dmb_clock *clock);

/**
 * dmb_clock_advance - move a virtual clock forward
 * @clock: a virtual clock
 * @delta_ns: how far, >= 0
 *
 * Wakes every thread sleeping on @clock whose deadline has been reached.
 * Context: any thread; wakes the sleepers whose deadline passed.
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
 * Whoever makes the predicate true calls dmb_clock_kick() afterwards; on a
 * virtual clock the kick evaluates it (in the kicker's thread) and wakes
 * the sleeper if it is true. This is how a simulated engine sleeping on a
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

/*
 * Actors: discrete-event time on a virtual clock.
 *
 * A program that wants what happens at each instant of virtual time to be
 * decided by the simulated work alone, never by how fast the machine runs
 * its threads, declares every thread that does simulated work an actor of
 * the clock. An actor is either busy (running) or parked: asleep in
 * dmb_clock_sleep_until_or() (or a wait built on it) with its wake-up
 * condition not yet true. Whoever wakes a parked actor (an advance that
 * reaches its deadline, a kick that finds its predicate true) counts it busy
 * again before it runs, under the clock's lock, so "every actor parked" is a
 * stable state: nothing changes until the driver moves the clock. The
 * driver waits for that state with dmb_clock_wait_settled() and moves time
 * with dmb_clock_run_until(), which wakes parked sleepers one at a time in
 * (deadline, actor id) order and lets each settle, as the kernel's sw_sync
 * timeline signals its points one by one.
 *
 * An actor's bounded waits in the library (the revoke helper's bounds) are
 * on its clock: see dmb_clock_current().
 *
 * Actor ids come from dmb_clock_actor_expect(), called by the thread that
 * creates the actor (so ids follow creation order, not thread start-up);
 * the new thread claims its id with dmb_clock_actor_begin() and leaves with
 * dmb_clock_actor_end(). On a real clock these are no-ops.
 */

/**
 * dmb_clock_actor_expect - reserve an actor slot on @clock for a thread
 * about to be created; it counts as busy until it first parks
 * Context: any thread. Return: the actor id (> 0), or 0 on a real clock.
 */
unsigned int dmb_clock_actor_expect(struct dmb_clock *clock);

/**
 * dmb_clock_actor_cancel - give back a slot whose thread was never created
 *
 * Context: the thread that reserved the slot.
 */
void dmb_clock_actor_cancel(struct dmb_clock *clock, unsigned int id);

/**
 * dmb_clock_actor_begin - the calling thread becomes actor @id of @clock
 * Context: the thread the slot was reserved for, once; a thread is an actor
 * of at most one clock. No-op for id 0.
 */
void dmb_clock_actor_begin(struct dmb_clock *clock, unsigned int id);

/**
 * dmb_clock_actor_end - the calling thread stops being an actor
 *
 * Context: an actor thread, about itself.
 */
void dmb_clock_actor_end(void);

/**
 * dmb_clock_current - the virtual clock the calling thread is an actor of
 *
 * Context: any thread, about itself; no lock.
 * Return: that clock, or NULL if the thread is no actor.
 */
struct dmb_clock *dmb_clock_current(void);

/**
 * dmb_clock_wait_settled - wait until every actor of @clock is parked
 * @clock: a virtual clock
 * @guard_ns: real time after which to give up: a bound that only catches
 *	an actor blocked outside the clock (a bug), never a decision
 *
 * Context: must not be called by an actor of @clock.
 * Return: 0 once settled, -ETIMEDOUT at the guard, -EINVAL for a real clock.
 */
int dmb_clock_wait_settled(struct dmb_clock *clock, int64_t guard_ns);

/**
 * dmb_clock_driven - true once a driver has settled @clock (called
 * dmb_clock_wait_settled() or dmb_clock_run_until() on it): from then on
 * every settling also re-evaluates the parked sleepers' predicates, so a
 * condition that nobody kicks for (a lock released) still ends a parked
 * wait at the instant it became true. On a clock nobody drives, only
 * kicks do.
 *
 * Context: any thread; takes the clock's internal leaf lock.
 */
bool dmb_clock_driven(struct dmb_clock *clock);

/**
 * dmb_clock_next_deadline - the earliest deadline of a parked sleeper
 *
 * Context: any thread; takes the clock's internal leaf lock.
 * Return: that reading, or MAX_SCHEDULE_TIMEOUT if none sleeps with one.
 */
int64_t dmb_clock_next_deadline(struct dmb_clock *clock);

/**
 * dmb_clock_run_until - play virtual time up to @until_ns, one event at a
 * time: settle, wake the parked sleeper with the earliest (deadline, actor
 * id) not after @until_ns with the clock reading its deadline, settle
 * again, and so on; then move the clock to @until_ns (if ahead) and settle.
 * @guard_ns: as for dmb_clock_wait_settled(), per settling
 *
 * Context: must not be called by an actor of @clock.
 * Return: 0, -ETIMEDOUT if the actors did not settle, -EINVAL for a real
 * clock.
 */
int dmb_clock_run_until(struct dmb_clock *clock, int64_t until_ns,
			int64_t guard_ns);

/**
 * dmb_ktime_get_ns - CLOCK_MONOTONIC now, in nanoseconds
 * Context: any thread, no lock.
 */
int64_t dmb_ktime_get_ns(void);

/*
 * dmb_timeout_deadline - absolute CLOCK_MONOTONIC deadline for a relative
 * @timeout_ns, saturating (MAX_SCHEDULE_TIMEOUT stays "forever").
 * Context: any thread, no lock.
 */
static inline int64_t dmb_timeout_deadline(int64_t now_ns, int64_t timeout_ns)
{
	if (timeout_ns >= MAX_SCHEDULE_TIMEOUT - now_ns)
		return MAX_SCHEDULE_TIMEOUT;
	return now_ns + timeout_ns;
}

DMB_END_DECLS

#endif /* DMABUF_CLOCK_H */
