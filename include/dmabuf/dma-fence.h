/* SPDX-License-Identifier: MIT */
/*
 * dma-fence.h - one-shot completion events of (simulated) hardware work.
 *
 * A dma_fence stands for one piece of work on a timeline: its context (from
 * dma_fence_context_alloc()) names the timeline, its seqno orders fences on
 * it. A fence starts unsignaled, may get an error set, is signaled exactly
 * once, and then runs each registered callback exactly once. Every fence that
 * was initialised must be signaled in finite time; a fence that is not is a
 * bug the protocol checker reports (V7), not a state to live with.
 *
 * Fences are reference counted; the last dma_fence_put() calls ops->release,
 * or free() on the fence when the driver supplied none (the fence must then
 * be the start of a malloc()ed block). In debug mode such a library-freed
 * fence goes to the release quarantine first (check.h): a later call on it
 * (a second last put, a get, a wait, a signal...) is reported, naming who
 * released it, and refused.
 *
 * Locking convention:
 *  - fence->lock protects the callback list, the error and the transition to
 *    signaled. Drivers may share one lock among all fences of a timeline (so
 *    that signalling in order is atomic), or pass NULL to dma_fence_init() to
 *    use the lock embedded in the fence.
 *  - Callbacks run in the signalling thread, with fence->lock held, exactly
 *    once. A callback must not take fence->lock (it must not add or remove
 *    callbacks on a fence sharing that lock, nor signal one) and must not
 *    sleep; it may drop references and signal fences of other timelines.
 *  - *_locked variants require fence->lock held by the caller; the others
 *    take it.
 *  - Waiting for a fence inside a fence-signalling section (see lockdep.h)
 *    is reported: the fence may depend on the waiting thread.
 */
#ifndef DMABUF_DMA_FENCE_H
#define DMABUF_DMA_FENCE_H

#include <pthread.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <stdio.h>
#include <dmabuf/clock.h>
#include <dmabuf/kref.h>
#include <dmabuf/list.h>
#include <dmabuf/lockdep.h>

DMB_BEGIN_DECLS

struct dma_fence;
struct dma_fence_cb;

typedef void (*dma_fence_func_t)(struct dma_fence *fence,
				 struct dma_fence_cb *cb);

/**
 * struct dma_fence_cb - a callback registered on a fence
 * @node: links the callback on the fence's list (protected by fence->lock)
 * @func: called once when the fence signals
 *
 * Embed it in the object the callback needs; recover that object with
 * dmb_container_of() in @func.
 *
 * A cb handed to dma_fence_add_callback() must be free: zero-initialised
 * (never added), or one whose last registration ended - it ran, was
 * removed with dma_fence_remove_callback(), or was refused. The core leaves
 * @node empty (linked to itself) at each of those ends, as the kernel does,
 * and refuses a cb whose @node is still linked (-EBUSY): adding a queued cb
 * again, to the same fence or another, would corrupt the list it is on.
 * A cb of uninitialised memory (malloc(), a stack variable without an
 * initialiser) may look queued: zero it first.
 */
struct dma_fence_cb {
	struct dmb_list_head node;
	dma_fence_func_t func;
};

/**
 * struct dma_fence_ops - what a fence's driver provides
 * @get_driver_name: required; the driver, for diagnostics
 * @get_timeline_name: required; the timeline, for diagnostics
 * @enable_signaling: optional; called once, with fence->lock held, the first
 *	time someone needs to be told of completion (a callback or a wait).
 *	Return false if the fence is already known to be complete; the core
 *	then signals it. The op may drop fence->lock and retake it before
 *	returning (the fence array does, to register on its members without
 *	nesting their locks inside its own); the core re-checks for a signal
 *	after it returns.
 * @signaled: optional; a poll for completion, called with fence->lock held
 *	(so it may set the error before the core signals). Returning true
 *	makes the core signal the fence.
 * @release: optional; frees the fence when the last reference goes. The
 *	default is free(fence).
 * @set_deadline: optional; a hint that someone needs the fence signaled by
 *	@deadline (CLOCK_MONOTONIC ns), so the driver may hurry (raise a
 *	clock, say). Called without fence->lock, only while the fence is not
 *	signaled, possibly several times and from several threads; it must not
 *	sleep.
 * @wait: optional; the driver's own wait, used by dma_fence_wait_timeout()
 *	and dma_fence_wait() instead of the core's callback and futex when the
 *	wait is uninterruptible, has time to wait and the fence is not yet
 *	signaled (interruptible waits always use the core's). For a fence the
 *	driver learns of in the waiting thread itself (a descriptor another
 *	process makes readable) it saves a thread hop. Called without
 *	fence->lock; @intr is false. It returns once the fence is signaled
 *	(signalling it itself if it is the one that learns of completion) or
 *	@timeout ns passed, as dma_fence_wait_timeout() returns: time left
 *	(>= 1, or MAX_SCHEDULE_TIMEOUT), 0 on timeout, or a negative errno.
 */
struct dma_fence_ops {
	const char *(*get_driver_name)(struct dma_fence *fence);
	const char *(*get_timeline_name)(struct dma_fence *fence);
	bool (*enable_signaling)(struct dma_fence *fence);
	bool (*signaled)(struct dma_fence *fence);
	void (*release)(struct dma_fence *fence);
	void (*set_deadline)(struct dma_fence *fence, int64_t deadline);
	int64_t (*wait)(struct dma_fence *fence, bool intr, int64_t timeout);
};

/*
 * Bits of dma_fence.flags; drivers may use bits from DMA_FENCE_FLAG_USER_BITS.
 * SEQNO64 is set by dma_fence_init64(): the timeline compares full 64-bit
 * seqnos. Without it seqnos compare as 32-bit values that wrap, as in the
 * kernel. HAS_DEADLINE is set once someone asked for a deadline.
 */
enum dma_fence_flag_bits {
	DMA_FENCE_FLAG_SEQNO64_BIT,
	DMA_FENCE_FLAG_SIGNALED_BIT,
	DMA_FENCE_FLAG_TIMESTAMP_BIT,
	DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT,
	DMA_FENCE_FLAG_HAS_DEADLINE_BIT,
	DMA_FENCE_FLAG_USER_BITS,
};

/**
 * struct dma_fence - the fence; embed it in the driver's job object
 * @lock: protects @cb_list, @error and signalling (see the locking convention)
 * @ops: the driver's operations, never NULL after init
 * @cb_list: callbacks waiting for the signal
 * @context: the timeline
 * @seqno: position on the timeline
 * @flags: DMA_FENCE_FLAG_* bits, atomic
 * @timestamp: CLOCK_MONOTONIC time of the signal, once TIMESTAMP_BIT is set
 * @error: 0, or the negative errno the work failed with
 * @refcount: references; the last put releases the fence
 * @inline_lock: used as @lock when the driver passed none
 * @obj_state: private to the library: released or not, for the release
 *	quarantine (check.h) of fences the library frees
 */
struct dma_fence {
	pthread_mutex_t *lock;
	const struct dma_fence_ops *ops;
	struct dmb_list_head cb_list;
	uint64_t context;
	uint64_t seqno;
	DMB_ATOMIC(unsigned long) flags;
	int64_t timestamp;
	int error;
	struct dmb_kref refcount;
	pthread_mutex_t inline_lock;
	unsigned int obj_state;
};

/**
 * dmb_fence_lock - take @fence's lock (fence->lock, perhaps shared by its
 * timeline) and record it as held by the calling thread
 *
 * A driver that calls the *_locked functions takes the lock with this (or
 * with dmb_mutex_lock() on the shared lock itself), never with a bare
 * pthread_mutex_lock(): those functions assert the lock against the
 * calling thread's lock record, exactly, and refuse to run without it.
 * Context: fence->lock not held by the calling thread. A NULL @fence is
 * reported and nothing is locked.
 */
static inline void dmb_fence_lock(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dmb_fence_lock(NULL)"))
		return;
	dmb_mutex_lock(fence->lock);
}

/**
 * dmb_fence_unlock - release a lock taken with dmb_fence_lock()
 *
 * Context: fence->lock held by the calling thread. A NULL @fence is
 * reported and ignored.
 */
static inline void dmb_fence_unlock(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dmb_fence_unlock(NULL)"))
		return;
	dmb_mutex_unlock(fence->lock);
}

/**
 * dmb_fence_lock_held - true if the calling thread holds fence->lock
 *
 * Exact in debug mode (debug.h); false in production mode, where nothing is
 * recorded: use dmb_fence_assert_lock_held() in assertions. A NULL
 * @fence is reported and held by nobody (false).
 * Context: any.
 */
static inline bool dmb_fence_lock_held(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dmb_fence_lock_held(NULL)"))
		return false;
	return dmb_mutex_held(fence->lock);
}

/**
 * dmb_fence_assert_lock_held - report if the calling thread does not hold
 * fence->lock; no value, nothing in production mode. For a driver's own
 * helpers that run under the lock (ops->signaled, ops->enable_signaling).
 *
 * Context: any.
 */
#define dmb_fence_assert_lock_held(fence)	dmb_mutex_assert_held((fence)->lock)

/**
 * dma_fence_context_alloc - allocate @num consecutive timeline contexts
 *
 * Context: any thread. Return: the first context; never 0.
 */
uint64_t dma_fence_context_alloc(unsigned int num);

/**
 * dma_fence_init - initialise a fence with one reference
 * @fence: the fence
 * @ops: its operations; get_driver_name and get_timeline_name are required
 * @lock: the lock protecting it, or NULL to use its own
 * @context: its timeline, from dma_fence_context_alloc()
 * @seqno: its position on the timeline
 *
 * Missing required ops are reported; the fence then uses placeholder names.
 * The timeline's seqnos compare as 32-bit values that wrap around (see
 * dma_fence_is_later()); use dma_fence_init64() for full 64-bit compares.
 * Context: any thread; @fence not yet shared.
 */
void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops,
		    pthread_mutex_t *lock, uint64_t context, uint64_t seqno);

/**
 * dma_fence_init64 - as dma_fence_init(), for a timeline with 64-bit seqnos
 *
 * dma_fence_is_later() and the same-timeline replacement in
 * dma_resv_add_fence() then compare the seqnos as plain 64-bit numbers.
 * Every fence of one timeline must be initialised the same way.
 * Context: any thread; @fence not yet shared.
 */
void dma_fence_init64(struct dma_fence *fence, const struct dma_fence_ops *ops,
		      pthread_mutex_t *lock, uint64_t context, uint64_t seqno);

/**
 * dma_fence_get - take a reference; NULL is passed through
 *
 * Context: any thread holding a reference, with any lock held.
 */
struct dma_fence *dma_fence_get(struct dma_fence *fence);

/**
 * dma_fence_get_unless_zero - get a reference unless the fence is being freed
 *
 * Context: any thread that knows @fence is still allocated.
 * Return: @fence, or NULL if its count already reached zero.
 */
struct dma_fence *dma_fence_get_unless_zero(struct dma_fence *fence);

/**
 * dma_fence_put - drop a reference; NULL is ignored
 *
 * A put of a fence the release quarantine keeps (check.h) is reported and
 * ignored.
 * Context: any thread; the last put runs ops->release in the calling thread.
 */
void dma_fence_put(struct dma_fence *fence);

/**
 * dma_fence_signal - signal @fence and run its callbacks
 *
 * Context: takes fence->lock; callbacks run in this thread.
 * Return: 0, or -EINVAL if @fence is NULL or was already signaled (a second
 * signal changes nothing: no callback runs twice).
 */
int dma_fence_signal(struct dma_fence *fence);

/**
 * dma_fence_signal_locked - as dma_fence_signal(); caller holds fence->lock
 *
 * Context: fence->lock held, taken with dmb_fence_lock(); refused (-EINVAL)
 *	without it in debug mode.
 */
int dma_fence_signal_locked(struct dma_fence *fence);

/**
 * dma_fence_signal_timestamp - signal with an explicit timestamp
 * @timestamp_ns: CLOCK_MONOTONIC (or virtual-clock) time of completion
 * Context: as dma_fence_signal(): takes fence->lock; callbacks run in this
 *	thread.
 */
int dma_fence_signal_timestamp(struct dma_fence *fence, int64_t timestamp_ns);

/**
 * dma_fence_check_and_signal - signal @fence unless it already is
 *
 * The kernel's call for signallers that may race another signal (a poll, a
 * timeout handler): unlike dma_fence_signal(), a fence found signaled is
 * not an error.
 * Context: takes fence->lock; callbacks run in this thread.
 * Return: true if @fence was already signaled (nothing done), false if this
 * call signaled it. A NULL @fence is reported and returns true.
 */
bool dma_fence_check_and_signal(struct dma_fence *fence);

/**
 * dma_fence_check_and_signal_locked - as dma_fence_check_and_signal()
 *
 * Context: the caller holds fence->lock (reported otherwise); callbacks run
 * in this thread. Return: as dma_fence_check_and_signal().
 */
bool dma_fence_check_and_signal_locked(struct dma_fence *fence);

/**
 * dma_fence_set_error - record that the work failed
 * @error: a negative errno
 *
 * Must come before the signal; setting it on a signaled fence, or with a
 * value that is not a negative errno, or on a NULL @fence, is reported and
 * ignored.
 * Context: takes fence->lock.
 */
void dma_fence_set_error(struct dma_fence *fence, int error);

/**
 * dma_fence_set_error_locked - as dma_fence_set_error(); caller holds
 * fence->lock (an ops->signaled or ops->enable_signaling that is about to
 * report completion sets the error this way)
 * Context: fence->lock held, taken with dmb_fence_lock(); refused (a WARN)
 *	without it in debug mode.
 */
void dma_fence_set_error_locked(struct dma_fence *fence, int error);

/**
 * dma_fence_get_status - 0 while pending, 1 when signaled without error,
 * the negative error when signaled with one; -EINVAL (reported) for a NULL
 * @fence
 * Context: takes fence->lock if it has to poll ops->signaled.
 */
int dma_fence_get_status(struct dma_fence *fence);

/**
 * dma_fence_get_status_locked - as above; caller holds fence->lock
 *
 * Context: fence->lock held, taken with dmb_fence_lock().
 */
int dma_fence_get_status_locked(struct dma_fence *fence);

/**
 * dma_fence_is_signaled - true once signaled; polls ops->signaled and
 * signals the fence if the poll says it is complete
 *
 * A NULL @fence is reported and answers true: there is nothing to wait
 * for, so a loop waiting on the answer ends (the same for the _locked
 * variant and dma_fence_test_signaled_flag()).
 * Context: takes fence->lock when it has to poll, so it must not be called
 * from a callback of a fence sharing that lock.
 */
bool dma_fence_is_signaled(struct dma_fence *fence);

/**
 * dma_fence_is_signaled_locked - as above; caller holds fence->lock
 *
 * Context: fence->lock held, taken with dmb_fence_lock(); without it (debug
 *	mode) a WARN, and only the SIGNALED flag answers.
 */
bool dma_fence_is_signaled_locked(struct dma_fence *fence);

/**
 * dma_fence_add_callback - run @func when @fence signals
 * @cb: storage for the registration, owned by the caller until it has run
 *	or was removed
 *
 * Enables signalling if it was not yet.
 * Context: takes fence->lock: not from a callback of a fence sharing that
 *	lock.
 * Return: 0 if registered; -ENOENT if the fence is already signaled, in which
 * case @func is NOT called (the caller handles completion itself); -EINVAL
 * for NULL arguments; -EBUSY (reported) if @cb is still queued, on this
 * fence or another (see struct dma_fence_cb): nothing of @cb is changed, so
 * its first registration still runs.
 */
int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb,
			   dma_fence_func_t func);

/**
 * dma_fence_remove_callback - unregister @cb
 *
 * Context: takes fence->lock (so it waits out a callback running elsewhere):
 *	not from a callback of a fence sharing that lock.
 * Return: true if it was still registered (it will not run), false if it
 * already ran, was refused with -ENOENT, or was never added (@cb zeroed);
 * false too, reported, for a NULL argument. Once this returns, @func is not
 * running and will not run: @cb may be freed, or added again.
 * @cb must be queued on @fence or on no fence: removing it through another
 * fence is not detected (it would run under the wrong lock).
 */
bool dma_fence_remove_callback(struct dma_fence *fence,
			       struct dma_fence_cb *cb);

/**
 * dma_fence_enable_sw_signaling - ask the driver to report completion
 *
 * Context: takes fence->lock: not from a callback of a fence sharing that
 *	lock. A NULL @fence is reported and ignored.
 */
void dma_fence_enable_sw_signaling(struct dma_fence *fence);

/**
 * dma_fence_wait_timeout - sleep until @fence signals
 * @timeout_ns: relative; MAX_SCHEDULE_TIMEOUT waits forever
 *
 * An uninterruptible wait; dmb_fence_wait_timeout() takes the kernel's
 * "intr" argument. Signalling is enabled first (ops->enable_signaling), as
 * in the kernel. Waiting inside a fence-signalling section is reported (and
 * the wait still happens). A @timeout_ns of 0 does not sleep and is not
 * reported: after enabling signalling it returns 1 if @fence is signaled
 * (perhaps by that very enabling), 0 if not.
 * Context: may sleep; must not hold fence->lock.
 * Return: time left (>= 1; MAX_SCHEDULE_TIMEOUT when waiting forever) once
 * signaled, 0 on timeout, -EINVAL for a NULL fence or a negative timeout.
 */
int64_t dma_fence_wait_timeout(struct dma_fence *fence, int64_t timeout_ns);

/**
 * dma_fence_wait - wait forever.
 *
 * Context: may sleep; may hold resv locks; not inside a fence-signalling
 *	section (reported).
 * Return: 0, or -EINVAL.
 */
int dma_fence_wait(struct dma_fence *fence);

/**
 * dmb_fence_wait_timeout - dma_fence_wait_timeout() with the kernel's
 * argument list: @intr makes the wait interruptible
 * @fence: the fence
 * @intr: true to end the wait when the calling thread has an interrupt
 *	request (include/dmabuf/interrupt.h: dmb_thread_interrupt(), pending
 *	until dmb_interrupt_clear(), as a signal is until handled)
 * @timeout_ns: relative; MAX_SCHEDULE_TIMEOUT waits forever
 *
 * The kernel's name takes @intr; here dma_fence_wait_timeout() keeps the
 * library's older two-argument form, so the variant carries the prefix.
 * A signaled fence is reported signaled even with a request pending (the
 * kernel checks the fence first).
 * Context: may sleep; must not hold fence->lock.
 * Return: as dma_fence_wait_timeout(), or -ERESTARTSYS if interrupted.
 */
int64_t dmb_fence_wait_timeout(struct dma_fence *fence, bool intr,
			       int64_t timeout_ns);

/**
 * dmb_fence_wait - dma_fence_wait() with the kernel's @intr argument
 *
 * Context: may sleep. Return: 0, -ERESTARTSYS if interrupted, or -EINVAL.
 */
int dmb_fence_wait(struct dma_fence *fence, bool intr);

/**
 * dma_fence_wait_any_timeout - sleep until any of @fences signals
 * @fences: array of @count fences
 * @idx: if not NULL, receives the index of a signaled fence
 *
 * Context: may sleep; may hold resv locks; not inside a fence-signalling
 *	section (reported).
 * Return: as dma_fence_wait_timeout(); -EINVAL for count 0 or NULL entries,
 * -ENOMEM if the per-fence callbacks cannot be allocated.
 */
int64_t dma_fence_wait_any_timeout(struct dma_fence **fences, uint32_t count,
				   int64_t timeout_ns, uint32_t *idx);

/**
 * dma_fence_is_later - true if @f1 comes after @f2 on their timeline
 *
 * Seqnos compare as 32-bit values that wrap around (a seqno up to 2^31
 * ahead is later), unless @f1 was initialised with dma_fence_init64().
 * Comparing fences of different contexts, or a NULL fence, is reported and
 * returns false (dma_fence_is_later_or_same() too, even for NULL, NULL).
 * Context: any thread, no lock; both fences on one timeline (reported
 *	otherwise).
 * Return: true if @f1 is later.
 */
bool dma_fence_is_later(struct dma_fence *f1, struct dma_fence *f2);

/**
 * dma_fence_is_later_or_same - true if @f1 is @f2 or comes after it
 *
 * Context: any thread, no lock; both fences on one timeline (reported
 *	otherwise).
 * Return: @f1 == @f2 || dma_fence_is_later(@f1, @f2).
 */
bool dma_fence_is_later_or_same(struct dma_fence *f1, struct dma_fence *f2);

/**
 * dma_fence_later - the later of two fences of one timeline, if it is still
 * worth waiting for
 *
 * Context: any thread; may take the later fence's lock to poll it; both
 *	fences on one timeline (reported otherwise).
 * Return: @f1 or @f2 (no reference taken); NULL if that later fence is
 * already signaled (as in the kernel), or if the contexts differ or a fence
 * is NULL (reported).
 */
struct dma_fence *dma_fence_later(struct dma_fence *f1, struct dma_fence *f2);

/**
 * dma_fence_get_stub - a signaled fence shared by the whole process
 *
 * Context: any thread, no lock.
 * Return: a new reference to it.
 */
struct dma_fence *dma_fence_get_stub(void);

/**
 * dma_fence_allocate_private_stub - a new fence, already signaled at
 * @timestamp, on a timeline of its own
 *
 * Context: any thread. Return: the fence (one reference), or NULL with
 * errno ENOMEM.
 */
struct dma_fence *dma_fence_allocate_private_stub(int64_t timestamp);

/**
 * dma_fence_timestamp - when @fence signaled; only valid once signaled
 *
 * Asking an unsignaled or a NULL fence is reported and returns the current
 * time.
 * Context: any thread, no lock, once the fence is signaled.
 */
int64_t dma_fence_timestamp(struct dma_fence *fence);

/**
 * dma_fence_set_deadline - ask for @fence to be signaled by @deadline
 * @deadline: CLOCK_MONOTONIC (or the program's clock) time in ns
 *
 * Passed to ops->set_deadline, if the driver has one and the fence is not
 * yet signaled; fence arrays and chains pass it on to their members. Only a
 * hint: nothing is guaranteed.
 * Context: any thread; must not hold fence->lock (it may poll the fence).
 */
void dma_fence_set_deadline(struct dma_fence *fence, int64_t deadline);

/**
 * dma_fence_describe - one line about @fence for debug output: driver,
 * timeline, seqno and whether it is signaled
 * @out: where to print
 *
 * Context: any thread; must not hold fence->lock.
 */
void dma_fence_describe(struct dma_fence *fence, FILE *out);

/**
 * dma_fence_driver_name / dma_fence_timeline_name - for diagnostics
 *
 * Context: any thread holding a reference.
 * Return: the name; NULL with errno EINVAL (reported) for a NULL @fence.
 */
const char *dma_fence_driver_name(struct dma_fence *fence);
const char *dma_fence_timeline_name(struct dma_fence *fence);

/**
 * dma_fence_test_flag - true if DMA_FENCE_FLAG_* @bit is set on @fence
 *
 * Context: any thread, no lock (an atomic read). A NULL @fence is reported
 * and has no flag set (false).
 */
static inline bool dma_fence_test_flag(struct dma_fence *fence, unsigned int bit)
{
	if (DMB_WARN(!fence, "dma_fence_test_flag(NULL, %u)", bit))
		return false;
	return dmb_load_acquire(&fence->flags) &
	       (1UL << bit);
}

/**
 * dma_fence_test_signaled_flag - has @fence been signaled? Only the flag:
 * never polls ops->signaled (see dma_fence_is_signaled() for that)
 *
 * Context: any thread, any lock. Return: true once signaled.
 */
static inline bool dma_fence_test_signaled_flag(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_test_signaled_flag(NULL)"))
		return true;	/* as dma_fence_is_signaled(NULL) */
	return dma_fence_test_flag(fence, DMA_FENCE_FLAG_SIGNALED_BIT);
}

DMB_END_DECLS

#endif /* DMABUF_DMA_FENCE_H */
