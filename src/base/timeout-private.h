/* SPDX-License-Identifier: MIT */
/*
 * timeout-private.h - the arithmetic of a wait that sleeps until a
 * CLOCK_MONOTONIC deadline (dmb_timeout_deadline()), for the library's
 * blocking waits: dma-fence.c's futex sleep and sync-file.c's poll of a
 * descriptor sleep on different things, and share this so that they agree
 * on what "forever", "passed" and "time left" mean. Not installed.
 *
 * Locking: none; reads CLOCK_MONOTONIC.
 */
#ifndef DMABUF_BASE_TIMEOUT_PRIVATE_H
#define DMABUF_BASE_TIMEOUT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <dmabuf/clock.h>

/*
 * How long a sleep until @deadline may last: *@timeout is NULL for no
 * bound (MAX_SCHEDULE_TIMEOUT), else @rel set to the time left, relative
 * (as futex() and ppoll() take it). Return: false once @deadline passed.
 */
static inline bool __dmb_deadline_timespec(int64_t deadline,
					   struct timespec *rel,
					   struct timespec **timeout)
{
	int64_t left;

	*timeout = NULL;
	if (deadline == MAX_SCHEDULE_TIMEOUT)
		return true;
	left = deadline - dmb_ktime_get_ns();
	if (left <= 0)
		return false;
	rel->tv_sec = left / NSEC_PER_SEC;
	rel->tv_nsec = left % NSEC_PER_SEC;
	*timeout = rel;
	return true;
}

/*
 * What a wait that ended with its condition met reports (the kernel's
 * dma_fence_wait_timeout()): the time left until @deadline, at least 1 so
 * it never reads as a timeout; MAX_SCHEDULE_TIMEOUT stays so.
 */
static inline int64_t __dmb_deadline_left(int64_t deadline)
{
	int64_t left;

	if (deadline == MAX_SCHEDULE_TIMEOUT)
		return MAX_SCHEDULE_TIMEOUT;
	left = deadline - dmb_ktime_get_ns();
	return left > 0 ? left : 1;
}

#endif /* DMABUF_BASE_TIMEOUT_PRIVATE_H */
