// SPDX-License-Identifier: MIT
/*
 * dma-fence.c - one-shot completion events.
 *
 * Contract: a fence goes from pending to signaled exactly once. The thread
 * that signals it stamps the time and then runs every registered callback,
 * once each, in registration order, before dma_fence_signal() returns.
 * Whoever asks later (add_callback, wait, is_signaled) sees the SIGNALED bit
 * and never waits. A fence that must report completion is told so once, via
 * ops->enable_signaling, the first time anyone needs to hear of it.
 *
 * Locking rule: fence->lock serialises the callback list, the error and the
 * SIGNALED transition. Every signaller takes it, so "test SIGNALED, then set
 * it" under the lock is the one test-and-set that decides who signals.
 * Flags are atomic, so readers test SIGNALED without the lock (acquire pairs
 * with the release that publishes it, making the timestamp and error written
 * before it visible). Callbacks, ops->enable_signaling and ops->signaled run
 * with fence->lock held (enable_signaling may drop it for a while, so the
 * core looks at SIGNALED again after it returns). A callback is unlinked
 * before it is called, so dma_fence_remove_callback(), which takes the lock,
 * either removes it before it ran or finds it gone after it returned: never
 * while it runs.
 *
 * What may run alongside what, without fence->lock:
 *	dma_fence_get/put		anything (atomic refcount)
 *	dma_fence_test_flag		anything (atomic flags)
 *	status, timestamp		anything, once SIGNALED is seen
 *	a waiter's wake-up		the rest of the signaller's callbacks
 *
 * Waits: a waiter registers a callback on its own stack that sets a word and
 * wakes it with a private futex, the cheapest wake Linux has; it sleeps on
 * that word. A wait that times out removes its callback, which settles the
 * race with a concurrent signal (see the rule above) before the stack frame
 * goes away.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/interrupt.h>
#include <dmabuf/lockdep.h>

#include "../base/debug-private.h"
#include "../base/timeout-private.h"
#include "../check/quarantine-private.h"

/* The largest errno value, as the kernel bounds them (IS_ERR_VALUE). */
#define MAX_ERRNO	4095

#define FENCE_BIT(bit)	(1UL << (bit))

/* Fence identity for reports: "driver:timeline context/seqno". */
#define FENCE_FMT	"%s:%s %llu/%llu"
#define FENCE_ARGS(f)	dma_fence_driver_name(f), dma_fence_timeline_name(f), \
			(unsigned long long)(f)->context,		      \
			(unsigned long long)(f)->seqno

static atomic_uint_fast64_t next_context = 1;

/*
 * The entry check of the release quarantine (check.h): a fence the library
 * freed (no ops->release) is kept a while after its last put; a call on it
 * is reported, naming its releaser, and refused. True if refused.
 */
#define fence_refuse_released(fence)					\
	dmb_obj_refuse_released(&(fence)->obj_state, fence, __func__)

/* Used when dma_fence_init() is given no ops at all. */
static const struct dma_fence_ops placeholder_ops;

/* A name query about a NULL fence: refused as a pointer function is. */
static const char *fence_null_name(void)
{
	errno = EINVAL;
	return NULL;
}

uint64_t dma_fence_context_alloc(unsigned int num)
{
	if (DMB_WARN(num == 0, "dma_fence_context_alloc of 0 contexts"))
		num = 1;
	return atomic_fetch_add_explicit(&next_context, num,
					 memory_order_relaxed);
}

static void __dma_fence_init(struct dma_fence *fence,
			     const struct dma_fence_ops *ops,
			     pthread_mutex_t *lock, uint64_t context,
			     uint64_t seqno, unsigned long flags)
{
	if (DMB_WARN(!fence, "dma_fence_init of a NULL fence"))
		return;
	if (DMB_WARN(!ops, "fence %llu/%llu initialised without ops",
		     (unsigned long long)context, (unsigned long long)seqno))
		ops = &placeholder_ops;
	DMB_WARN(!ops->get_driver_name || !ops->get_timeline_name,
		 "fence %llu/%llu: ops lack get_driver_name or get_timeline_name",
		 (unsigned long long)context, (unsigned long long)seqno);

	if (!lock) {
		pthread_mutex_init(&fence->inline_lock, NULL);
		lock = &fence->inline_lock;
	}
	fence->lock = lock;
	fence->ops = ops;
	dmb_list_init(&fence->cb_list);
	fence->context = context;
	fence->seqno = seqno;
	atomic_init(&fence->flags, flags);
	fence->timestamp = 0;
	fence->error = 0;
	dmb_kref_init(&fence->refcount);
	fence->obj_state = DMB_OBJ_LIVE;
}

void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops,
		    pthread_mutex_t *lock, uint64_t context, uint64_t seqno)
{
	__dma_fence_init(fence, ops, lock, context, seqno, 0);
}

void dma_fence_init64(struct dma_fence *fence, const struct dma_fence_ops *ops,
		      pthread_mutex_t *lock, uint64_t context, uint64_t seqno)
{
	__dma_fence_init(fence, ops, lock, context, seqno,
			 FENCE_BIT(DMA_FENCE_FLAG_SEQNO64_BIT));
}

const char *dma_fence_driver_name(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_driver_name(NULL)") ||
	    fence_refuse_released(fence))
		return fence_null_name();
	if (!fence->ops->get_driver_name)
		return "(unnamed driver)";
	return fence->ops->get_driver_name(fence);
}

const char *dma_fence_timeline_name(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_timeline_name(NULL)") ||
	    fence_refuse_released(fence))
		return fence_null_name();
	if (!fence->ops->get_timeline_name)
		return "(unnamed timeline)";
	return fence->ops->get_timeline_name(fence);
}

/*
 * The rule for a *_locked call: made without fence->lock held by the calling
 * thread (as the per-thread lock record knows it: dmb_fence_lock() records
 * it, exactly), it is reported and refused. In production mode nothing is
 * recorded and the call is trusted. Return: true if the call may go on.
 */
#define fence_lock_held_or_refuse(fence)				\
	(!__dmb_debug_on() ||					\
	 !DMB_WARN(!dmb_fence_lock_held(fence),				\
		   "fence " FENCE_FMT ": %s without fence->lock held: refused", \
		   FENCE_ARGS(fence), __func__))

/*
 * Signal with fence->lock held. The SIGNALED test needs no atomic RMW: only
 * holders of the lock ever set it. The timestamp is written first and both
 * bits are published by one release, so whoever sees SIGNALED sees the time.
 */
static int __dma_fence_signal_locked(struct dma_fence *fence, int64_t timestamp)
{
	struct dma_fence_cb *cb, *next;
	struct dmb_list_head list;
	bool cookie;

	dmb_fence_assert_lock_held(fence);
	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		return -EINVAL;

	fence->timestamp = timestamp;
	atomic_fetch_or_explicit(&fence->flags,
				 FENCE_BIT(DMA_FENCE_FLAG_SIGNALED_BIT) |
				 FENCE_BIT(DMA_FENCE_FLAG_TIMESTAMP_BIT),
				 memory_order_release);

	dmb_list_init(&list);
	dmb_list_splice_tail_init(&fence->cb_list, &list);

	/*
	 * A callback is on the path that signals: it must not wait for a
	 * fence, which the section makes dma_fence_wait_timeout() report.
	 * @next is read before the call because the callback may free @cb
	 * (a waiter's stack frame is gone as soon as it sees the wake-up).
	 */
	cookie = dmb_fence_begin_signalling();
	dmb_list_for_each_entry_safe(cb, next, &list, node) {
		dmb_list_init(&cb->node);
		cb->func(fence, cb);
	}
	dmb_fence_end_signalling(cookie);
	return 0;
}

/*
 * A second signal is not reported: a driver that both signals and answers
 * ops->signaled legitimately races the core's poll, and loses quietly.
 */
int dma_fence_signal_timestamp(struct dma_fence *fence, int64_t timestamp_ns)
{
	int ret;

	if (DMB_WARN(!fence, "signal of a NULL fence") ||
	    fence_refuse_released(fence))
		return -EINVAL;
	dmb_fence_lock(fence);
	ret = __dma_fence_signal_locked(fence, timestamp_ns);
	dmb_fence_unlock(fence);
	return ret;
}

int dma_fence_signal(struct dma_fence *fence)
{
	return dma_fence_signal_timestamp(fence, dmb_ktime_get_ns());
}

int dma_fence_signal_locked(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "signal of a NULL fence") ||
	    fence_refuse_released(fence))
		return -EINVAL;
	if (!fence_lock_held_or_refuse(fence))
		return -EINVAL;
	return __dma_fence_signal_locked(fence, dmb_ktime_get_ns());
}

bool dma_fence_check_and_signal_locked(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "check_and_signal of a NULL fence") ||
	    fence_refuse_released(fence))
		return true;
	if (!fence_lock_held_or_refuse(fence))
		return dma_fence_test_signaled_flag(fence);
	return __dma_fence_signal_locked(fence, dmb_ktime_get_ns()) != 0;
}

bool dma_fence_check_and_signal(struct dma_fence *fence)
{
	bool was_signaled;

	if (DMB_WARN(!fence, "check_and_signal of a NULL fence") ||
	    fence_refuse_released(fence))
		return true;
	dmb_fence_lock(fence);
	was_signaled = __dma_fence_signal_locked(fence, dmb_ktime_get_ns()) != 0;
	dmb_fence_unlock(fence);
	return was_signaled;
}

void dma_fence_set_error_locked(struct dma_fence *fence, int error)
{
	if (DMB_WARN(!fence, "dma_fence_set_error_locked(NULL, %d)", error) ||
	    fence_refuse_released(fence))
		return;
	if (!fence_lock_held_or_refuse(fence))
		return;
	if (DMB_WARN(error >= 0 || error < -MAX_ERRNO,
		     "fence " FENCE_FMT ": error %d is not a negative errno",
		     FENCE_ARGS(fence), error))
		return;
	if (DMB_WARN(dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT),
		     "fence " FENCE_FMT ": error %d set after the signal",
		     FENCE_ARGS(fence), error))
		return;
	fence->error = error;
}

void dma_fence_set_error(struct dma_fence *fence, int error)
{
	if (DMB_WARN(!fence, "dma_fence_set_error(NULL, %d)", error) ||
	    fence_refuse_released(fence))
		return;
	dmb_fence_lock(fence);
	dma_fence_set_error_locked(fence, error);
	dmb_fence_unlock(fence);
}

static bool __dma_fence_is_signaled_locked(struct dma_fence *fence)
{
	dmb_fence_assert_lock_held(fence);
	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		return true;
	if (fence->ops->signaled && fence->ops->signaled(fence)) {
		__dma_fence_signal_locked(fence, dmb_ktime_get_ns());
		return true;
	}
	return false;
}

bool dma_fence_is_signaled_locked(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_is_signaled_locked(NULL)") ||
	    fence_refuse_released(fence))
		return true;
	/* Refused: no poll, no signal; only what the flag already says. */
	if (!fence_lock_held_or_refuse(fence))
		return dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT);
	return __dma_fence_is_signaled_locked(fence);
}

/* dma_fence_is_signaled() of a fence known to exist. */
static bool __dma_fence_is_signaled(struct dma_fence *fence)
{
	bool ret;

	/* Refused as "signaled": nobody waits for a fence that is gone. */
	if (fence_refuse_released(fence))
		return true;
	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		return true;
	if (!fence->ops->signaled)
		return false;
	dmb_fence_lock(fence);
	ret = __dma_fence_is_signaled_locked(fence);
	dmb_fence_unlock(fence);
	return ret;
}

bool dma_fence_is_signaled(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_is_signaled(NULL)"))
		return true;
	return __dma_fence_is_signaled(fence);
}

/* The error is final once SIGNALED is seen: read it without the lock. */
static int dma_fence_status_of_signaled(struct dma_fence *fence)
{
	return fence->error ? fence->error : 1;
}

int dma_fence_get_status_locked(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_get_status_locked(NULL)") ||
	    fence_refuse_released(fence))
		return -EINVAL;
	if (!dma_fence_is_signaled_locked(fence))
		return 0;
	return dma_fence_status_of_signaled(fence);
}

int dma_fence_get_status(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_get_status(NULL)") ||
	    fence_refuse_released(fence))
		return -EINVAL;
	if (!__dma_fence_is_signaled(fence))
		return 0;
	return dma_fence_status_of_signaled(fence);
}

int64_t dma_fence_timestamp(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_timestamp(NULL)") ||
	    fence_refuse_released(fence))
		return dmb_ktime_get_ns();
	if (DMB_WARN(!dma_fence_test_flag(fence, DMA_FENCE_FLAG_TIMESTAMP_BIT),
		     "timestamp of unsignaled fence " FENCE_FMT,
		     FENCE_ARGS(fence)))
		return dmb_ktime_get_ns();
	return fence->timestamp;
}

/*
 * Tell the driver, once, that someone waits for completion; with fence->lock
 * held. Return: true if the fence is signaled (perhaps by this call, when the
 * driver answers that the work is already complete).
 */
static bool __dma_fence_enable_signaling(struct dma_fence *fence)
{
	unsigned long old;

	dmb_fence_assert_lock_held(fence);
	old = atomic_fetch_or_explicit(&fence->flags,
				       FENCE_BIT(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT),
				       memory_order_acq_rel);
	if (old & FENCE_BIT(DMA_FENCE_FLAG_SIGNALED_BIT))
		return true;
	if ((old & FENCE_BIT(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT)) ||
	    !fence->ops->enable_signaling)
		return false;
	if (!fence->ops->enable_signaling(fence)) {
		__dma_fence_signal_locked(fence, dmb_ktime_get_ns());
		return true;
	}
	/* The op may have dropped the lock for a while: look again. */
	return dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT);
}

void dma_fence_enable_sw_signaling(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_enable_sw_signaling(NULL)") ||
	    fence_refuse_released(fence))
		return;
	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT))
		return;
	dmb_fence_lock(fence);
	__dma_fence_enable_signaling(fence);
	dmb_fence_unlock(fence);
}

/*
 * Is @cb linked on a fence's callback list? Its node is empty (linked to
 * itself) once it ran, was removed or was refused, and all-zero if it was
 * never added: both mean free. The read is made without the lock of the
 * fence @cb may be queued on; for the owner of a @cb that is free it is
 * exact, since only that owner links it again.
 */
static inline bool cb_queued(const struct dma_fence_cb *cb)
{
	return cb->node.next && cb->node.next != &cb->node;
}

int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb,
			   dma_fence_func_t func)
{
	int ret = 0;

	if (DMB_WARN(!fence || !cb || !func,
		     "dma_fence_add_callback with a NULL argument") ||
	    fence_refuse_released(fence))
		return -EINVAL;
	/*
	 * A queued @cb is linked on some fence's list (this one's or
	 * another's): linking it again would cut that list. Nothing of @cb
	 * is touched, so the first registration stays intact.
	 */
	if (DMB_WARN(cb_queued(cb),
		     "fence " FENCE_FMT ": callback %p added while it is still "
		     "queued (on this fence or another): refused",
		     FENCE_ARGS(fence), (void *)cb))
		return -EBUSY;

	cb->func = func;
	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT)) {
		dmb_list_init(&cb->node);
		return -ENOENT;
	}

	dmb_fence_lock(fence);
	if (__dma_fence_enable_signaling(fence)) {
		dmb_list_init(&cb->node);
		ret = -ENOENT;
	} else {
		dmb_list_add_tail(&cb->node, &fence->cb_list);
	}
	dmb_fence_unlock(fence);
	return ret;
}

bool dma_fence_remove_callback(struct dma_fence *fence,
			       struct dma_fence_cb *cb)
{
	bool pending;

	if (DMB_WARN(!fence || !cb, "dma_fence_remove_callback(%p, %p)",
		     (void *)fence, (void *)cb) ||
	    fence_refuse_released(fence))
		return false;
	dmb_fence_lock(fence);
	/*
	 * Unlinked with its node left empty, as the signal leaves it: @cb
	 * may be added again (to this fence or another).
	 */
	pending = cb_queued(cb);
	if (pending)
		dmb_list_del(&cb->node);
	dmb_fence_unlock(fence);
	return pending;
}

/*
 * The waiter's side of a wait: a callback that sets *woken and wakes the
 * futex on it. The word may belong to a waiter that saw it set and already
 * returned before FUTEX_WAKE runs; a wake on a stale address costs at most
 * a spurious wake-up to whoever sleeps there now, which every futex sleeper
 * (this file's and libc's) tolerates by re-checking its word.
 */
struct fence_waiter {
	struct dma_fence_cb base;
	atomic_uint *woken;
};

static void fence_waiter_wake(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct fence_waiter *waiter = dmb_container_of(cb, struct fence_waiter,
						       base);
	atomic_uint *woken = waiter->woken;

	atomic_store_explicit(woken, 1, memory_order_release);
	syscall(SYS_futex, woken, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * Sleep while *woken is 0, at most until @deadline (CLOCK_MONOTONIC, or
 * MAX_SCHEDULE_TIMEOUT). Wakes early on a wake-up, a signal or spuriously;
 * the caller re-checks the word. Return: false once the deadline has passed.
 */
static bool fence_waiter_sleep(atomic_uint *woken, int64_t deadline)
{
	struct timespec rel, *timeout;

	if (!__dmb_deadline_timespec(deadline, &rel, &timeout))
		return false;
	syscall(SYS_futex, woken, FUTEX_WAIT_PRIVATE, 0, timeout, NULL, 0);
	return true;
}

static void fence_waiter_wait(atomic_uint *woken, int64_t deadline)
{
	while (!atomic_load_explicit(woken, memory_order_acquire))
		if (!fence_waiter_sleep(woken, deadline))
			return;
}

static void report_wait_in_signalling(struct dma_fence *fence)
{
	DMB_WARN(dmb_fence_in_signalling(),
		 "wait for fence " FENCE_FMT " inside a fence-signalling section: "
		 "the fence may depend on this thread", FENCE_ARGS(fence));
}

/* The word's value once an interrupt request ended the sleep (interrupt.h). */
#define WAITER_INTERRUPTED	2

/*
 * An interrupt request for a thread sleeping on @arg, its word: make the
 * futex sleep end unless the fence's callback already set the word.
 */
static void fence_waiter_interrupt(void *arg)
{
	atomic_uint *woken = arg;
	unsigned int idle = 0;

	if (atomic_compare_exchange_strong(woken, &idle, WAITER_INTERRUPTED))
		syscall(SYS_futex, woken, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * Sleep until @fence signals, the deadline passes, or (@intr) an interrupt
 * request arrives. Return: as dmb_fence_wait_timeout().
 */
static int64_t __dma_fence_wait(struct dma_fence *fence, bool intr,
				int64_t timeout_ns)
{
	atomic_uint woken = 0;
	struct fence_waiter waiter = { .woken = &woken };
	struct dmb_interrupt_sleep sleep = { fence_waiter_interrupt, &woken };
	int64_t deadline, ret;

	if (DMB_WARN(!fence || timeout_ns < 0,
		     "dma_fence_wait_timeout: NULL fence or negative timeout %lld",
		     (long long)timeout_ns) ||
	    fence_refuse_released(fence))
		return -EINVAL;
	/* The driver's own wait (dma_fence_ops.wait): the kernel's order. */
	if (fence->ops->wait && !intr && timeout_ns &&
	    !dma_fence_is_signaled(fence)) {
		report_wait_in_signalling(fence);
		return fence->ops->wait(fence, false, timeout_ns);
	}
	/*
	 * Enabling first, as the kernel does: a fence whose driver learns of
	 * completion only when asked is signaled by this, so even a poll
	 * with no time to wait sees it.
	 */
	dma_fence_enable_sw_signaling(fence);
	if (timeout_ns)
		report_wait_in_signalling(fence);
	if (dma_fence_is_signaled(fence))
		return timeout_ns ? timeout_ns : 1;
	if (intr && dmb_interrupt_pending())
		return -ERESTARTSYS;
	if (!timeout_ns)
		return 0;

	deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), timeout_ns);
	if (dma_fence_add_callback(fence, &waiter.base, fence_waiter_wake))
		return __dmb_deadline_left(deadline);	/* signaled meanwhile */

	ret = intr ? dmb_interrupt_sleep_begin(&sleep) : 0;
	/* Registered, then checked: a request is seen here or wakes the sleep. */
	if (!ret && intr && dmb_interrupt_pending())
		fence_waiter_interrupt(&woken);
	if (!ret)
		fence_waiter_wait(&woken, deadline);
	if (intr && !ret)
		dmb_interrupt_sleep_end();
	/*
	 * Not woken by the callback (a timeout, an interrupt, no memory): it
	 * may be running right now, and removing it under fence->lock waits
	 * that out. If it was gone, the fence signaled meanwhile, and the
	 * wait counts as a success.
	 */
	if (atomic_load_explicit(&woken, memory_order_acquire) != 1 &&
	    dma_fence_remove_callback(fence, &waiter.base)) {
		if (ret)
			return ret;
		return atomic_load(&woken) == WAITER_INTERRUPTED ? -ERESTARTSYS : 0;
	}
	return __dmb_deadline_left(deadline);
}

int64_t dma_fence_wait_timeout(struct dma_fence *fence, int64_t timeout_ns)
{
	return __dma_fence_wait(fence, false, timeout_ns);
}

int64_t dmb_fence_wait_timeout(struct dma_fence *fence, bool intr,
			       int64_t timeout_ns)
{
	return __dma_fence_wait(fence, intr, timeout_ns);
}

int dma_fence_wait(struct dma_fence *fence)
{
	int64_t ret = __dma_fence_wait(fence, false, MAX_SCHEDULE_TIMEOUT);

	return ret < 0 ? (int)ret : 0;
}

int dmb_fence_wait(struct dma_fence *fence, bool intr)
{
	int64_t ret = __dma_fence_wait(fence, intr, MAX_SCHEDULE_TIMEOUT);

	return ret < 0 ? (int)ret : 0;
}

static int find_signaled(struct dma_fence **fences, uint32_t count,
			 uint32_t *idx)
{
	for (uint32_t i = 0; i < count; i++) {
		if (dma_fence_is_signaled(fences[i])) {
			if (idx)
				*idx = i;
			return 1;
		}
	}
	return 0;
}

int64_t dma_fence_wait_any_timeout(struct dma_fence **fences, uint32_t count,
				   int64_t timeout_ns, uint32_t *idx)
{
	struct fence_waiter *waiters;
	atomic_uint woken = 0;
	int64_t deadline;
	uint32_t added;

	if (DMB_WARN(!fences || !count || timeout_ns < 0,
		     "dma_fence_wait_any_timeout: no fences or negative timeout"))
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		if (DMB_WARN(!fences[i],
			     "dma_fence_wait_any_timeout: fence %u is NULL", i) ||
		    fence_refuse_released(fences[i]))
			return -EINVAL;

	if (!timeout_ns)
		return find_signaled(fences, count, idx);
	report_wait_in_signalling(fences[0]);
	if (find_signaled(fences, count, idx))
		return timeout_ns;

	waiters = calloc(count, sizeof(*waiters));
	if (!waiters)
		return -ENOMEM;
	deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), timeout_ns);

	/* All callbacks share one word: any of them ends the sleep. */
	for (added = 0; added < count; added++) {
		waiters[added].woken = &woken;
		if (dma_fence_add_callback(fences[added], &waiters[added].base,
					   fence_waiter_wake))
			break;		/* already signaled: no need to sleep */
	}
	if (added == count)
		fence_waiter_wait(&woken, deadline);

	/* Every callback must be gone or finished before @waiters is freed. */
	for (uint32_t i = 0; i < added; i++)
		dma_fence_remove_callback(fences[i], &waiters[i].base);
	free(waiters);

	/* Any fence may have signaled by now, even after a timeout. */
	for (uint32_t i = 0; i < count; i++) {
		if (dma_fence_test_flag(fences[i], DMA_FENCE_FLAG_SIGNALED_BIT)) {
			if (idx)
				*idx = i;
			return __dmb_deadline_left(deadline);
		}
	}
	return 0;
}

/*
 * Timelines initialised the default way compare seqnos on 32 bits with
 * wrap-around, as the kernel does: drivers whose hardware counter is 32 bits
 * wide rely on it. dma_fence_init64() timelines compare the full value.
 */
static bool __dma_fence_seqno_later(struct dma_fence *f1, struct dma_fence *f2)
{
	if (dma_fence_test_flag(f1, DMA_FENCE_FLAG_SEQNO64_BIT))
		return f1->seqno > f2->seqno;
	return (int32_t)((uint32_t)f1->seqno - (uint32_t)f2->seqno) > 0;
}

static bool fences_share_timeline(struct dma_fence *f1, struct dma_fence *f2)
{
	return !DMB_WARN(f1->context != f2->context,
			 "comparing fences of different timelines: " FENCE_FMT
			 " and " FENCE_FMT, FENCE_ARGS(f1), FENCE_ARGS(f2));
}

/* Both fences of a comparison must exist and be live: reported otherwise. */
#define fences_present(f1, f2)						\
	(!DMB_WARN(!(f1) || !(f2), "%s(%p, %p): NULL fence", __func__,	\
		   (void *)(f1), (void *)(f2)) &&			\
	 !fence_refuse_released(f1) && !fence_refuse_released(f2))

bool dma_fence_is_later(struct dma_fence *f1, struct dma_fence *f2)
{
	return fences_present(f1, f2) && fences_share_timeline(f1, f2) &&
	       __dma_fence_seqno_later(f1, f2);
}

bool dma_fence_is_later_or_same(struct dma_fence *f1, struct dma_fence *f2)
{
	return fences_present(f1, f2) &&
	       (f1 == f2 || dma_fence_is_later(f1, f2));
}

struct dma_fence *dma_fence_later(struct dma_fence *f1, struct dma_fence *f2)
{
	struct dma_fence *later;

	if (!fences_present(f1, f2) || !fences_share_timeline(f1, f2))
		return NULL;
	later = __dma_fence_seqno_later(f1, f2) ? f1 : f2;
	/* A signaled later fence leaves nothing to wait for. */
	return dma_fence_is_signaled(later) ? NULL : later;
}

void dma_fence_set_deadline(struct dma_fence *fence, int64_t deadline)
{
	if (DMB_WARN(!fence, "dma_fence_set_deadline of a NULL fence") ||
	    fence_refuse_released(fence))
		return;
	if (fence->ops->set_deadline && !dma_fence_is_signaled(fence))
		fence->ops->set_deadline(fence, deadline);
}

void dma_fence_describe(struct dma_fence *fence, FILE *out)
{
	if (DMB_WARN(!fence || !out, "dma_fence_describe(%p, %p)",
		     (void *)fence, (void *)out) ||
	    fence_refuse_released(fence))
		return;
	fprintf(out, "fence " FENCE_FMT " %s\n", FENCE_ARGS(fence),
		dma_fence_is_signaled(fence) ? "signaled" : "pending");
}

struct dma_fence *dma_fence_get(struct dma_fence *fence)
{
	if (!fence || fence_refuse_released(fence))
		return NULL;
	dmb_kref_get(&fence->refcount);
	return fence;
}

struct dma_fence *dma_fence_get_unless_zero(struct dma_fence *fence)
{
	if (!fence || fence_refuse_released(fence) ||
	    !dmb_kref_get_unless_zero(&fence->refcount))
		return NULL;
	return fence;
}

static void dma_fence_release(struct dmb_kref *kref)
{
	struct dma_fence *fence = dmb_container_of(kref, struct dma_fence,
						   refcount);

	/*
	 * Callbacks still registered belong to someone who waits for a
	 * signal that, with the fence gone, would never come. Report the
	 * lost fence and complete them with an error rather than hang them.
	 * No other reference exists, so the list can be read unlocked.
	 */
	if (DMB_WARN(!dmb_list_empty(&fence->cb_list),
		     "fence " FENCE_FMT " released unsignaled with callbacks "
		     "pending", FENCE_ARGS(fence))) {
		dmb_fence_lock(fence);
		dma_fence_set_error_locked(fence, -EDEADLK);
		__dma_fence_signal_locked(fence, dmb_ktime_get_ns());
		dmb_fence_unlock(fence);
	}

	if (fence->lock == &fence->inline_lock)
		pthread_mutex_destroy(&fence->inline_lock);
	/*
	 * A driver's release owns the memory and runs now (it may count, or
	 * the fence may not be on the heap); the library's own free() may
	 * wait in the quarantine.
	 */
	if (fence->ops->release)
		fence->ops->release(fence);
	else if (!dmb_quarantine_release(DMB_OBJ_FENCE, fence, sizeof(*fence),
					 &fence->obj_state,
					 sizeof(fence->obj_state), FENCE_FMT,
					 FENCE_ARGS(fence)))
		free(fence);
}

void dma_fence_put(struct dma_fence *fence)
{
	if (fence && !fence_refuse_released(fence))
		dmb_kref_put(&fence->refcount, dma_fence_release);
}

/*
 * The stub: one signaled fence for the whole process, for callers that need
 * "a fence" with nothing to wait for. It keeps its initial reference forever,
 * so its count never reaches zero unless someone puts a reference they never
 * got, which stub_release() reports instead of freeing static storage.
 */
static const char *stub_name(struct dma_fence *fence)
{
	return "stub";
}

static void stub_release(struct dma_fence *fence)
{
	DMB_WARN(true, "the stub fence lost its last reference: "
		 "a dma_fence_put() without a matching get");
}

static const struct dma_fence_ops stub_ops = {
	.get_driver_name = stub_name,
	.get_timeline_name = stub_name,
	.release = stub_release,
};

static pthread_mutex_t stub_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dma_fence stub_fence;
static pthread_once_t stub_once = PTHREAD_ONCE_INIT;

static void stub_init(void)
{
	dma_fence_init(&stub_fence, &stub_ops, &stub_lock, 0, 0);
	dma_fence_signal(&stub_fence);
}

struct dma_fence *dma_fence_get_stub(void)
{
	pthread_once(&stub_once, stub_init);
	return dma_fence_get(&stub_fence);
}

/* Private stubs are ordinary malloc()ed fences: the default release frees them. */
static const struct dma_fence_ops private_stub_ops = {
	.get_driver_name = stub_name,
	.get_timeline_name = stub_name,
};

struct dma_fence *dma_fence_allocate_private_stub(int64_t timestamp)
{
	struct dma_fence *fence = calloc(1, sizeof(*fence));

	if (!fence) {
		errno = ENOMEM;
		return NULL;
	}
	dma_fence_init(fence, &private_stub_ops, NULL,
		       dma_fence_context_alloc(1), 0);
	dma_fence_signal_timestamp(fence, timestamp);
	return fence;
}
