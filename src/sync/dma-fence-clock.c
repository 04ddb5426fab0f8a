// SPDX-License-Identifier: MIT
/*
 * dma-fence-clock.c - fence waits whose deadline is on a clock (see
 * dma-fence-clock.h for the contract).
 *
 * On a virtual clock the waiter adds a callback to the fence that sets a
 * flag and kicks the clock, then parks on the clock with the flag as its
 * stop predicate: the kick, in the signalling thread, finds the flag set and
 * counts the waiter busy before it runs, which is what lets a driver of the
 * clock know that the fence's waiters have had their turn.
 *
 * Locking: the callback runs under the fence's lock and takes the clock's;
 * the predicate, evaluated under the clock's lock, reads only the flag. The
 * callback reads everything it needs from the waiter before it sets the
 * flag, since the waiter may return (and its frame go) as soon as it is set.
 */
#include <errno.h>
#include <stdatomic.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence-clock.h>

struct clock_waiter {
	struct dma_fence_cb cb;
	struct dmb_clock *clock;
	atomic_bool signaled;
};

static void clock_waiter_wake(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct clock_waiter *w = dmb_container_of(cb, struct clock_waiter, cb);
	struct dmb_clock *clock = w->clock;

	atomic_store(&w->signaled, true);
	dmb_clock_kick(clock);
}

static bool clock_waiter_signaled(void *arg)
{
	struct clock_waiter *w = arg;

	return atomic_load(&w->signaled);
}

/* What a wait that ended with the fence signaled reports: time left, >= 1. */
static int64_t left_until(struct dmb_clock *clock, int64_t deadline_ns)
{
	int64_t left;

	if (deadline_ns == MAX_SCHEDULE_TIMEOUT)
		return MAX_SCHEDULE_TIMEOUT;
	left = deadline_ns - dmb_clock_now(clock);
	return left > 0 ? left : 1;
}

int64_t dmb_fence_wait_until(struct dma_fence *fence, struct dmb_clock *clock,
			     int64_t deadline_ns)
{
	struct clock_waiter w = { .clock = clock };
	int64_t now;

	if (DMB_WARN(!fence || !clock, "dmb_fence_wait_until(%p, %p)",
		     (void *)fence, (void *)clock))
		return -EINVAL;
	if (!dmb_clock_is_virtual(clock)) {
		now = dmb_clock_now(clock);
		if (deadline_ns == MAX_SCHEDULE_TIMEOUT)
			return dma_fence_wait_timeout(fence, MAX_SCHEDULE_TIMEOUT);
		return dma_fence_wait_timeout(fence, deadline_ns > now ?
					      deadline_ns - now : 0);
	}
	if (dma_fence_is_signaled(fence))
		return left_until(clock, deadline_ns);
	if (dma_fence_add_callback(fence, &w.cb, clock_waiter_wake))
		return left_until(clock, deadline_ns);	/* signaled meanwhile */
	dmb_clock_sleep_until_or(clock, deadline_ns, clock_waiter_signaled, &w);
	/*
	 * At the deadline the callback may be running: removing it under the
	 * fence's lock waits that out; if it was gone, the fence signaled.
	 */
	if (!atomic_load(&w.signaled) && dma_fence_remove_callback(fence, &w.cb))
		return 0;
	return left_until(clock, deadline_ns);
}

int64_t dmb_resv_wait_until(struct dma_resv *obj, enum dma_resv_usage usage,
			    struct dmb_clock *clock, int64_t deadline_ns)
{
	int64_t left = MAX_SCHEDULE_TIMEOUT;
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	if (DMB_WARN(!obj || !clock, "dmb_resv_wait_until(%p, %p)",
		     (void *)obj, (void *)clock))
		return -EINVAL;
	if (deadline_ns != MAX_SCHEDULE_TIMEOUT)
		left = left_until(clock, deadline_ns);
	dma_resv_iter_begin(&cursor, obj, usage);
	dma_resv_for_each_fence_unlocked(&cursor, fence) {
		left = dmb_fence_wait_until(fence, clock, deadline_ns);
		if (left <= 0)
			break;
	}
	dma_resv_iter_end(&cursor);
	return left;
}
