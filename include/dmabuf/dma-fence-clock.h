/* SPDX-License-Identifier: MIT */
/*
 * dma-fence-clock.h - waiting for fences on a clock: the deadline is a
 * reading of that clock, and on a virtual clock the wait is parked on the
 * clock (clock.h), so an actor waiting for a fence counts as parked and a
 * deadline passes when the clock is moved past it, not in real time.
 *
 * On the real clock these are dma_fence_wait_timeout() and
 * dma_resv_wait_timeout() with the time left to the deadline.
 *
 * Locking: as dma_fence_wait_timeout(); a fence callback kicks the clock
 * (fence lock, then the clock's), and the predicate parked on the clock
 * reads only an atomic of the waiter's.
 */
#ifndef DMABUF_DMA_FENCE_CLOCK_H
#define DMABUF_DMA_FENCE_CLOCK_H

#include <dmabuf/clock.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/dma-resv.h>

DMB_BEGIN_DECLS

/**
 * dmb_fence_wait_until - wait for @fence until @clock reads @deadline_ns
 * @deadline_ns: absolute, or MAX_SCHEDULE_TIMEOUT for no bound
 *
 * Context: may sleep; not inside a fence-signalling section.
 * Return: the time left (> 0, MAX_SCHEDULE_TIMEOUT for no bound) once
 * @fence signaled, 0 at the deadline, -EINVAL for a NULL argument.
 */
int64_t dmb_fence_wait_until(struct dma_fence *fence, struct dmb_clock *clock,
			     int64_t deadline_ns);

/**
 * dmb_resv_wait_until - wait for every fence of @obj up to @usage until
 * @clock reads @deadline_ns
 *
 * Context: may sleep; the resv lock may be held (as for
 * dma_resv_wait_timeout()).
 * Return: as dmb_fence_wait_until(); 0 if some fence had not signaled at
 * the deadline.
 */
int64_t dmb_resv_wait_until(struct dma_resv *obj, enum dma_resv_usage usage,
			    struct dmb_clock *clock, int64_t deadline_ns);

DMB_END_DECLS

#endif /* DMABUF_DMA_FENCE_CLOCK_H */
