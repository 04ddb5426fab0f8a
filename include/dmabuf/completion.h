/* SPDX-License-Identifier: MIT */
/*
 * completion.h - one-shot (or re-armable) "it happened" events, the
 * kernel's struct completion.
 *
 * complete() releases one waiter (or banks one "done" for a future waiter);
 * complete_all() releases every present and future waiter until the
 * completion is re-armed with dmb_reinit_completion(). The revoke helper
 * waits on one for "the last mapping was unmapped".
 *
 * Locking: every function is thread-safe; waits sleep on an internal mutex
 * and condition variable, so they must not be called while holding a lock
 * the completing thread needs.
 *
 * A NULL completion is reported and refused in every function: init and
 * the timed wait return -EINVAL, dmb_completion_done() answers true
 * (nothing to wait for), the others do nothing.
 */
#ifndef DMABUF_COMPLETION_H
#define DMABUF_COMPLETION_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

struct dmb_completion {
	unsigned int done;	/* UINT_MAX after complete_all() */
	pthread_mutex_t lock;
	pthread_cond_t wait;
};

/**
 * dmb_init_completion - initialise @x as not done.
 *
 * Context: any thread; @x not yet shared.
 * Return: 0 or -errno.
 */
int dmb_init_completion(struct dmb_completion *x);

/**
 * dmb_completion_fini - release @x's resources; no thread may wait on it.
 *
 * Context: any thread; no thread waits on @x.
 */
void dmb_completion_fini(struct dmb_completion *x);

/**
 * dmb_reinit_completion - re-arm @x as not done
 *
 * Context: no thread may be waiting on @x (callers re-arm before anyone can
 * observe the new round, as the revoke helper's unrevoke does).
 */
void dmb_reinit_completion(struct dmb_completion *x);

/**
 * dmb_complete - release one waiter, or the next one to arrive.
 *
 * Context: any thread, fence callbacks included; takes @x's internal lock.
 */
void dmb_complete(struct dmb_completion *x);

/**
 * dmb_complete_all - release every waiter until re-armed.
 *
 * Context: any thread, fence callbacks included; takes @x's internal lock.
 */
void dmb_complete_all(struct dmb_completion *x);

/**
 * dmb_completion_done - true if a wait would not block right now.
 *
 * Context: any thread.
 */
bool dmb_completion_done(struct dmb_completion *x);

/**
 * dmb_wait_for_completion_timeout - wait until @x is completed
 * @x: the completion
 * @timeout_ns: relative timeout; MAX_SCHEDULE_TIMEOUT waits forever
 *
 * Consumes one complete() (not one complete_all()).
 * Context: may sleep.
 * Return: time left (at least 1; MAX_SCHEDULE_TIMEOUT when waiting forever)
 * if completed, 0 on timeout, -EINVAL for a negative timeout.
 */
int64_t dmb_wait_for_completion_timeout(struct dmb_completion *x,
					int64_t timeout_ns);

/**
 * dmb_wait_for_completion - wait forever.
 *
 * Context: may sleep: no lock the completer needs may be held.
 */
void dmb_wait_for_completion(struct dmb_completion *x);

DMB_END_DECLS

#endif /* DMABUF_COMPLETION_H */
