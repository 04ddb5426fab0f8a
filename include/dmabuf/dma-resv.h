/* SPDX-License-Identifier: MIT */
/*
 * dma-resv.h - reservation objects: the lock and the fences of a buffer.
 *
 * A dma_resv pairs a ww_mutex of the reservation class (wait-die, so many
 * buffers can be locked together in any order inside an acquire context)
 * with the set of fences of the work that uses the buffer. Each fence is
 * added with a usage:
 *
 *	KERNEL < WRITE < READ < BOOKKEEP
 *
 * KERNEL is memory management (moves, clears), WRITE and READ are implicit
 * synchronisation for writers and readers, BOOKKEEP is everything else (work
 * that must finish before the memory is reused but that nobody synchronises
 * with implicitly). Asking for usage U means "every fence whose usage is
 * <= U": waiting for BOOKKEEP waits for all of them.
 *
 * Adding fences follows reserve-then-commit: dma_resv_reserve_fences() may
 * fail (-ENOMEM) and is called first; dma_resv_add_fence() then cannot fail.
 * Reservations last until dma_resv_unlock(); adding more fences than were
 * reserved in the current lock session is reported.
 *
 * A newer fence of the same context replaces the older one if the new usage
 * is at least as strict (numerically <=): the newer fence completes after the
 * older one, so waiting for it covers both. "Newer" is dma_fence_is_later():
 * 32-bit wrapping seqnos unless the timeline uses dma_fence_init64(). A
 * complete fence's slot is reused: signaled, or found complete when
 * dma_resv_add_fence() polls its signaled op.
 *
 * Locking convention:
 *
 *	function			resv lock
 *	------------------------------	----------------------------------
 *	reserve_fences, add_fence,	must be held (asserted)
 *	copy_fences (dst), for_each_fence
 *	iter_*_unlocked, get_fences,	must not be needed; may be held
 *	get_singleton, test_signaled,
 *	wait_timeout
 *
 * The unlocked readers work on a consistent snapshot of each entry: a reader
 * that sees the set change under it restarts (dma_resv_iter_is_restarted()),
 * as the kernel's RCU readers do. They skip fences that already signaled.
 * Waiting (wait_timeout) with the resv lock held is allowed, as in the
 * kernel; the fences must not depend on this lock.
 *
 * NULL arguments (an object, a cursor, an out-pointer) are reported in
 * every function and refused: an int function returns -EINVAL without
 * touching its out-pointers, a pointer one NULL with errno EINVAL, a void
 * one does nothing; a bool query answers false ("not locked", "not held"),
 * except dma_resv_test_signaled(), which answers true (nothing to wait
 * for), and dma_resv_iter_usage() answers DMA_RESV_USAGE_KERNEL.
 */
#ifndef DMABUF_DMA_RESV_H
#define DMABUF_DMA_RESV_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/ww_mutex.h>

DMB_BEGIN_DECLS

/* The class of every reservation lock: wait-die, as in the kernel. */
extern struct ww_class reservation_ww_class;

/**
 * enum dma_resv_usage - why a fence is in the reservation object
 * @DMA_RESV_USAGE_KERNEL: memory management: moves, clears, evictions
 * @DMA_RESV_USAGE_WRITE: implicit synchronisation for writers
 * @DMA_RESV_USAGE_READ: implicit synchronisation for readers
 * @DMA_RESV_USAGE_BOOKKEEP: no implicit synchronisation; still must finish
 *	before the memory is reused or revoked
 */
enum dma_resv_usage {
	DMA_RESV_USAGE_KERNEL,
	DMA_RESV_USAGE_WRITE,
	DMA_RESV_USAGE_READ,
	DMA_RESV_USAGE_BOOKKEEP,
};

/**
 * dma_resv_usage_rw - the usage to wait for before an access
 * @write: true for a write access
 *
 * A writer must wait for readers and writers (READ); a reader only for
 * writers (WRITE).
 * Context: any thread, no lock.
 */
static inline enum dma_resv_usage dma_resv_usage_rw(bool write)
{
	return write ? DMA_RESV_USAGE_READ : DMA_RESV_USAGE_WRITE;
}

struct dma_resv_list;

/**
 * struct dma_resv - the reservation object; embed it or use the one a
 * dma_buf creates
 * @lock: the reservation ww_mutex
 * @fences: the fence set (changed under @lock and @fences_lock)
 * @fences_lock: internal; lets unlocked readers take a consistent entry
 * @seq: internal; bumped under @fences_lock on every change, so unlocked
 *	readers can tell that they must restart
 * @reserved: internal; slots reserved in the current lock session
 */
struct dma_resv {
	struct ww_mutex lock;
	struct dma_resv_list *fences;
	pthread_mutex_t fences_lock;
	unsigned long seq;
	unsigned int reserved;
};

/**
 * dma_resv_init - initialise an empty, unlocked reservation object
 *
 * Context: any thread; @obj not yet shared.
 */
void dma_resv_init(struct dma_resv *obj);

/**
 * dma_resv_fini - drop every fence and destroy @obj
 *
 * Context: @obj must be unlocked and unused.
 */
void dma_resv_fini(struct dma_resv *obj);

/**
 * __dma_resv_ww - @obj's ww_mutex, or NULL for a NULL @obj (internal)
 *
 * For the inline lock wrappers below: a NULL object reaches the ww_mutex
 * call, which reports and refuses it. The lock is the first member, so the
 * test folds away and the wrappers cost nothing over the ww_mutex calls.
 * Context: any.
 */
static inline struct ww_mutex *__dma_resv_ww(struct dma_resv *obj)
{
	return obj ? &obj->lock : NULL;
}

/**
 * dma_resv_lock - lock @obj, optionally inside acquire context @ctx
 *
 * Context: may sleep. Without @ctx the caller owns the order of the resv
 *	locks it holds (inversions are reported, V10); with @ctx the wait-die
 *	rules of ww_mutex.h.
 * Return: 0, -EDEADLK (back off, then dma_resv_lock_slow()), -EALREADY.
 */
static inline int dma_resv_lock(struct dma_resv *obj, struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock(__dma_resv_ww(obj), ctx);
}

/**
 * dma_resv_lock_interruptible - as dma_resv_lock(), but the wait ends when
 * the calling thread has an interrupt request (interrupt.h)
 *
 * Context: may sleep.
 * Return: as dma_resv_lock(), or -EINTR if interrupted (nothing taken).
 */
static inline int dma_resv_lock_interruptible(struct dma_resv *obj,
					      struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock_interruptible(__dma_resv_ww(obj), ctx);
}

/**
 * dma_resv_lock_slow - lock @obj after backing off from -EDEADLK
 *
 * Context: may sleep; @ctx holds no other lock (it just backed off).
 */
static inline void dma_resv_lock_slow(struct dma_resv *obj,
				      struct ww_acquire_ctx *ctx)
{
	ww_mutex_lock_slow(__dma_resv_ww(obj), ctx);
}

/**
 * dma_resv_lock_slow_interruptible - as dma_resv_lock_slow(), interruptible
 * as dma_resv_lock_interruptible()
 *
 * Context: may sleep. Return: 0, or -EINTR if interrupted (nothing taken).
 */
static inline int dma_resv_lock_slow_interruptible(struct dma_resv *obj,
						   struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock_slow_interruptible(__dma_resv_ww(obj), ctx);
}

/**
 * dma_resv_trylock - lock @obj if free, without a context.
 *
 * Context: any thread; never sleeps.
 * Return: true if locked.
 */
static inline bool dma_resv_trylock(struct dma_resv *obj)
{
	return ww_mutex_trylock(__dma_resv_ww(obj), NULL);
}

/**
 * dma_resv_unlock - unlock @obj
 *
 * Slots reserved and not used are given back: the next lock session must
 * reserve again before adding fences.
 * Context: the thread that holds @obj's lock.
 */
void dma_resv_unlock(struct dma_resv *obj);

/**
 * dma_resv_is_locked - true if some thread holds @obj's lock
 *
 * Context: any thread, no lock (a snapshot).
 */
static inline bool dma_resv_is_locked(struct dma_resv *obj)
{
	return ww_mutex_is_locked(__dma_resv_ww(obj));
}

/**
 * dma_resv_held - true if the calling thread holds @obj's lock
 *
 * Exact: it reads the lock's owner, so it stays right for a thread that
 * holds more locks than the per-thread tracking records.
 * Context: any thread, no lock.
 */
static inline bool dma_resv_held(struct dma_resv *obj)
{
	return ww_mutex_held(__dma_resv_ww(obj));
}

/**
 * dma_resv_locking_ctx - the acquire context @obj was locked with, or NULL
 *
 * Context: any thread, no lock.
 */
static inline struct ww_acquire_ctx *dma_resv_locking_ctx(struct dma_resv *obj)
{
	/* The owner's context field: exact in every mode, unlike a lock record. */
	if (DMB_WARN(!obj, "dma_resv_locking_ctx(NULL)") || !dma_resv_held(obj))
		return NULL;
	return dmb_load_acquire(&obj->lock.ctx);
}

/**
 * dma_resv_held_or_report - the check behind every call that refuses to run
 * without @obj's lock: true if the calling thread holds it; if not, a WARN
 * naming the caller's file and line, and false, so that the caller refuses
 * (``if (!dma_resv_held_or_report(obj)) return -EINVAL;``). Exact (it reads
 * the lock's owner) and on in every mode.
 *
 * Context: any.
 * Return: true if held, false (reported) if not.
 */
#define dma_resv_held_or_report(obj)					\
	(!DMB_WARN(!dma_resv_held(obj),					\
		   "lock %s is not held by the calling thread",		\
		   (obj) ? (obj)->lock.dep_map.name : "(NULL dma_resv)"))

/**
 * dma_resv_assert_held - report if the calling thread does not hold @obj
 *
 * An assertion, as the kernel's lockdep_assert_held(): it has no value, the
 * caller goes on, and it costs nothing in production mode (debug.h). For
 * internal helpers whose callers already enforced the rule.
 *
 * Context: any.
 */
#define dma_resv_assert_held(obj) do {					\
	if (dmb_debug_enabled())					\
		(void)dma_resv_held_or_report(obj);			\
} while (0)

/**
 * dma_resv_reserve_fences - make room for @num more fences
 *
 * Context: resv lock held.
 * Return: 0, -ENOMEM, or -EINVAL if the lock is not held (reported).
 */
int dma_resv_reserve_fences(struct dma_resv *obj, unsigned int num);

/**
 * dma_resv_add_fence - add @fence with @usage, in a slot reserved before
 *
 * Takes a reference on @fence. Cannot fail: adding without a reserved slot
 * is reported, and the set grows anyway if memory allows; if not, the call
 * waits for @fence instead of losing it. Fence arrays must be added member
 * by member (reported otherwise).
 * Context: resv lock held; a call without it is reported and refused: the
 * fence is not added (the caller keeps its reference).
 */
void dma_resv_add_fence(struct dma_resv *obj, struct dma_fence *fence,
			enum dma_resv_usage usage);

/**
 * struct dma_resv_iter - a cursor over the fences of a reservation object
 *
 * Fields are private. Begin, walk, end; the cursor holds a reference on the
 * current fence in unlocked mode and none in locked mode.
 */
struct dma_resv_iter {
	struct dma_resv *obj;
	enum dma_resv_usage usage;
	struct dma_fence *fence;
	enum dma_resv_usage fence_usage;
	unsigned int index;
	unsigned long seq;
	bool is_restarted;
};

/**
 * dma_resv_iter_begin - start a walk over the fences of @obj with usage <=
 *	@usage
 *
 * Context: any thread; for the locked walk, the resv lock held from the first
 *	fence to the last.
 */
static inline void dma_resv_iter_begin(struct dma_resv_iter *cursor,
				       struct dma_resv *obj,
				       enum dma_resv_usage usage)
{
	if (DMB_WARN(!cursor, "dma_resv_iter_begin(NULL, %p)", (void *)obj))
		return;
	cursor->obj = obj;
	cursor->usage = usage;
	cursor->fence = NULL;
}

/**
 * dma_resv_iter_end - drop the reference an unlocked walk may still hold
 *
 * Context: the thread that walked.
 */
static inline void dma_resv_iter_end(struct dma_resv_iter *cursor)
{
	if (DMB_WARN(!cursor, "dma_resv_iter_end(NULL)"))
		return;
	dma_fence_put(cursor->fence);
	cursor->fence = NULL;
}

/**
 * dma_resv_iter_usage - usage of the cursor's current fence
 *
 * Context: the thread that walks.
 */
static inline enum dma_resv_usage dma_resv_iter_usage(struct dma_resv_iter *cursor)
{
	if (DMB_WARN(!cursor, "dma_resv_iter_usage(NULL)"))
		return DMA_RESV_USAGE_KERNEL;	/* the strictest */
	return cursor->fence_usage;
}

/**
 * dma_resv_iter_is_restarted - true if the set changed and the walk began
 * again; anything accumulated from earlier fences must be discarded
 * Context: the thread that walks.
 */
static inline bool dma_resv_iter_is_restarted(struct dma_resv_iter *cursor)
{
	if (DMB_WARN(!cursor, "dma_resv_iter_is_restarted(NULL)"))
		return false;
	return cursor->is_restarted;
}

/*
 * Unlocked walk: skips signaled fences; may restart (see above).
 *
 * Context: need not hold the resv lock (may); takes the object's entry lock
 *	(a leaf) for each step.
 */
struct dma_fence *dma_resv_iter_first_unlocked(struct dma_resv_iter *cursor);
struct dma_fence *dma_resv_iter_next_unlocked(struct dma_resv_iter *cursor);

/*
 * Locked walk: resv lock held; every fence of matching usage, no restarts.
 *
 * Context: the resv lock held; without it the walk yields nothing (a WARN).
 */
struct dma_fence *dma_resv_iter_first(struct dma_resv_iter *cursor);
struct dma_fence *dma_resv_iter_next(struct dma_resv_iter *cursor);

#define dma_resv_for_each_fence_unlocked(cursor, fence)			\
	for (fence = dma_resv_iter_first_unlocked(cursor); fence;	\
	     fence = dma_resv_iter_next_unlocked(cursor))

#define dma_resv_for_each_fence(cursor, obj, usage, fence)		\
	for (dma_resv_iter_begin(cursor, obj, usage),			\
	     fence = dma_resv_iter_first(cursor); fence;		\
	     fence = dma_resv_iter_next(cursor))

/**
 * dma_resv_get_fences - references to every unsignaled fence with usage
 * <= @usage
 * @num_fences: receives the count
 * @fences: receives a malloc()ed array (NULL when the count is 0); the
 *	caller puts each fence and frees the array
 *
 * Context: need not hold the resv lock (may).
 * Return: 0 or -ENOMEM (nothing is returned then).
 */
int dma_resv_get_fences(struct dma_resv *obj, enum dma_resv_usage usage,
			unsigned int *num_fences, struct dma_fence ***fences);

/**
 * dma_resv_get_singleton - one fence standing for every fence <= @usage
 * @fence: receives NULL (none), the fence itself (one), or a new fence
 *	array signalling when all have (several); the caller puts it
 *
 * Context: need not hold the resv lock (may).
 * Return: 0 or -ENOMEM.
 */
int dma_resv_get_singleton(struct dma_resv *obj, enum dma_resv_usage usage,
			   struct dma_fence **fence);

/**
 * dma_resv_copy_fences - make @dst's fences a copy of @src's
 *
 * Context: @dst locked; @src is read without its lock.
 * Return: 0, -ENOMEM (dst unchanged), -EINVAL if @dst is not locked.
 */
int dma_resv_copy_fences(struct dma_resv *dst, struct dma_resv *src);

/**
 * dma_resv_test_signaled - true if every fence with usage <= @usage signaled
 * Context: need not hold the resv lock (may).
 */
bool dma_resv_test_signaled(struct dma_resv *obj, enum dma_resv_usage usage);

/**
 * dma_resv_wait_timeout - wait for every fence with usage <= @usage
 * @timeout_ns: relative; MAX_SCHEDULE_TIMEOUT waits forever
 *
 * Context: may sleep.
 * Return: time left (>= 1; MAX_SCHEDULE_TIMEOUT when waiting forever) once
 * all signaled, 0 on timeout, -EINVAL for a negative timeout.
 */
int64_t dma_resv_wait_timeout(struct dma_resv *obj, enum dma_resv_usage usage,
			      int64_t timeout_ns);

/**
 * dmb_resv_wait_timeout - dma_resv_wait_timeout() with the kernel's
 * argument list: @intr makes the wait interruptible (interrupt.h)
 *
 * Context: may sleep.
 * Return: as dma_resv_wait_timeout(), or -ERESTARTSYS if interrupted.
 */
int64_t dmb_resv_wait_timeout(struct dma_resv *obj, enum dma_resv_usage usage,
			      bool intr, int64_t timeout_ns);

/**
 * dma_resv_replace_fences - replace every fence of timeline @context
 * @context: the timeline whose fences go
 * @replacement: the fence that takes each of their slots (a reference is
 *	taken per slot)
 * @usage: the usage the replaced slots get
 *
 * For a driver that swaps fences it published for others that stand for
 * the same work (a preemption fence, say); the caller guarantees that the
 * replacement signals no earlier than what it replaces.
 * Context: resv lock held (reported and ignored otherwise).
 */
void dma_resv_replace_fences(struct dma_resv *obj, uint64_t context,
			     struct dma_fence *replacement,
			     enum dma_resv_usage usage);

/**
 * dma_resv_set_deadline - pass a deadline hint to every pending fence with
 * usage <= @usage (dma_fence_set_deadline())
 * @deadline: CLOCK_MONOTONIC (or the program's clock) time in ns
 *
 * Context: any thread; the resv lock is not needed.
 */
void dma_resv_set_deadline(struct dma_resv *obj, enum dma_resv_usage usage,
			   int64_t deadline);

/**
 * dma_resv_describe - print every fence of @obj, one line each with its
 * usage (dma_fence_describe()), for debug output
 * @out: where to print
 *
 * Context: resv lock held (reported and nothing printed otherwise).
 */
void dma_resv_describe(struct dma_resv *obj, FILE *out);

/**
 * dma_resv_usage_name - "kernel", "write", "read" or "bookkeep"
 *
 * Context: any thread, no lock.
 */
const char *dma_resv_usage_name(enum dma_resv_usage usage);

DMB_END_DECLS

#endif /* DMABUF_DMA_RESV_H */
