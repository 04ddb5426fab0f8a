// SPDX-License-Identifier: MIT
/*
 * completion.c - "it happened" events on a mutex and a condition variable.
 *
 * done counts complete() calls not yet consumed by a waiter; complete_all()
 * sets it to UINT_MAX, which waiters never consume. The condition variable
 * waits on CLOCK_MONOTONIC so that timeouts are immune to wall-clock jumps.
 *
 * Locking: x->lock protects done and is held only inside this file.
 */
#include <errno.h>
#include <time.h>

#include <dmabuf/clock.h>
#include <dmabuf/completion.h>
#include <dmabuf/diag.h>

int dmb_init_completion(struct dmb_completion *x)
{
	pthread_condattr_t attr;
	int ret;

	if (DMB_WARN(!x, "dmb_init_completion(NULL)"))
		return -EINVAL;
	x->done = 0;
	ret = pthread_mutex_init(&x->lock, NULL);
	if (ret)
		return -ret;
	ret = pthread_condattr_init(&attr);
	if (ret)
		goto err_mutex;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&x->wait, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		goto err_mutex;
	return 0;

err_mutex:
	pthread_mutex_destroy(&x->lock);
	return -ret;
}

void dmb_completion_fini(struct dmb_completion *x)
{
	if (DMB_WARN(!x, "dmb_completion_fini(NULL)"))
		return;
	pthread_cond_destroy(&x->wait);
	pthread_mutex_destroy(&x->lock);
}

void dmb_reinit_completion(struct dmb_completion *x)
{
	if (DMB_WARN(!x, "dmb_reinit_completion(NULL)"))
		return;
	pthread_mutex_lock(&x->lock);
	x->done = 0;
	pthread_mutex_unlock(&x->lock);
}

void dmb_complete(struct dmb_completion *x)
{
	if (DMB_WARN(!x, "dmb_complete(NULL)"))
		return;
	pthread_mutex_lock(&x->lock);
	if (x->done != UINT_MAX)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void dmb_complete_all(struct dmb_completion *x)
{
	if (DMB_WARN(!x, "dmb_complete_all(NULL)"))
		return;
	pthread_mutex_lock(&x->lock);
	x->done = UINT_MAX;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

bool dmb_completion_done(struct dmb_completion *x)
{
	bool done;

	if (DMB_WARN(!x, "dmb_completion_done(NULL)"))
		return true;
	pthread_mutex_lock(&x->lock);
	done = x->done != 0;
	pthread_mutex_unlock(&x->lock);
	return done;
}

int64_t dmb_wait_for_completion_timeout(struct dmb_completion *x,
					int64_t timeout_ns)
{
	int64_t deadline, left = timeout_ns;
	struct timespec ts;

	if (DMB_WARN(!x, "dmb_wait_for_completion_timeout(NULL)"))
		return -EINVAL;
	if (DMB_WARN(timeout_ns < 0, "negative timeout %lld",
		     (long long)timeout_ns))
		return -EINVAL;

	deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), timeout_ns);
	ts.tv_sec = deadline / NSEC_PER_SEC;
	ts.tv_nsec = deadline % NSEC_PER_SEC;

	pthread_mutex_lock(&x->lock);
	while (!x->done) {
		if (deadline == MAX_SCHEDULE_TIMEOUT) {
			pthread_cond_wait(&x->wait, &x->lock);
			continue;
		}
		if (pthread_cond_timedwait(&x->wait, &x->lock, &ts) == ETIMEDOUT &&
		    !x->done) {
			pthread_mutex_unlock(&x->lock);
			return 0;
		}
	}
	if (x->done != UINT_MAX)
		x->done--;
	pthread_mutex_unlock(&x->lock);

	if (deadline != MAX_SCHEDULE_TIMEOUT) {
		left = deadline - dmb_ktime_get_ns();
		if (left < 1)
			left = 1;
	}
	return left;
}

void dmb_wait_for_completion(struct dmb_completion *x)
{
	if (DMB_WARN(!x, "dmb_wait_for_completion(NULL)"))
		return;
	dmb_wait_for_completion_timeout(x, MAX_SCHEDULE_TIMEOUT);
}
