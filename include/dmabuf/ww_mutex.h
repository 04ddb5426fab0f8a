/* SPDX-License-Identifier: MIT */
/*
 * ww_mutex.h - wound/wait mutexes: deadlock-free locking of several objects
 * in any order.
 *
 * A thread that needs several ww_mutexes of one class at once takes them
 * inside an acquire context. Each context gets a stamp (a ticket) when it is
 * initialised; older stamps win. When two contexts contend, one of them is
 * told to back off with -EDEADLK: it must release every lock it holds in
 * that context, take the contended lock with ww_mutex_lock_slow(), and retry
 * the rest. Which one backs off depends on the class's algorithm:
 *
 *  - wait-die (DEFINE_WD_CLASS; the reservation class uses it): a younger
 *    context that holds locks and would wait for a lock held by an older
 *    one, or queued behind an older one, "dies" (-EDEADLK at once; a
 *    younger waiter is also woken to die when an older context queues in
 *    front of it); an older one waits.
 *  - wound-wait (DEFINE_WW_CLASS): an older context that would wait for a
 *    lock held by a younger one "wounds" the younger one, which gets
 *    -EDEADLK at its next ww_mutex_lock() while it holds locks; a younger one
 *    waits.
 *
 * Either way every contention resolves: no deadlock, and the oldest context
 * always makes progress. An unlock hands the lock to the first waiter in
 * the kernel's wait-list order (contexts by age, oldest first; waiters
 * without a context at the tail, not overtaken) and wakes only that one.
 *
 * A ww_mutex can also be locked without a context (ctx == NULL): it then
 * behaves as a plain mutex, and ordering is the caller's problem (the
 * protocol checker reports inversions among resv locks taken that way, V10).
 *
 * Misuse (unlock by a thread that does not own the lock, lock after
 * ww_acquire_done(), fini of a context that still holds locks, mixing
 * classes) is reported through the diagnostics sink and refused where the
 * call can return an error. So is a NULL lock, context or class, in every
 * function: an int function returns -EINVAL, a bool one false (a NULL lock
 * is neither locked nor held), a void one does nothing. A NULL @ctx of a
 * lock call is no misuse: it locks without a context.
 *
 * Locking: a ww_mutex is owned by the thread that locked it; only that
 * thread may unlock it. An acquire context belongs to one thread.
 */
#ifndef DMABUF_WW_MUTEX_H
#define DMABUF_WW_MUTEX_H

#include <pthread.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/list.h>
#include <dmabuf/lockdep.h>

DMB_BEGIN_DECLS

/**
 * struct ww_class - a class of ww_mutexes that may be locked together
 * @stamp: the next context's ticket
 * @is_wait_die: wait-die if true, wound-wait if false
 * @acquire_name: name of the class's acquire contexts, for reports
 * @mutex_name: name of its mutexes, for reports
 */
struct ww_class {
	DMB_ATOMIC(unsigned long) stamp;
	bool is_wait_die;
	const char *acquire_name;
	const char *mutex_name;
};

#define __WW_CLASS_INITIALIZER(classname, wait_die) {			\
	.stamp = 0, .is_wait_die = (wait_die),				\
	.acquire_name = #classname "_acquire",				\
	.mutex_name = #classname "_mutex" }

#define DEFINE_WW_CLASS(classname) \
	struct ww_class classname = __WW_CLASS_INITIALIZER(classname, false)
#define DEFINE_WD_CLASS(classname) \
	struct ww_class classname = __WW_CLASS_INITIALIZER(classname, true)

/**
 * struct ww_acquire_ctx - one thread's transaction over several ww_mutexes
 * @owner: the thread that initialised it
 * @ww_class: the class it locks
 * @stamp: its ticket; lower is older
 * @acquired: locks currently held in this context
 * @done: ww_acquire_done() was called; no further locks may be taken
 * @wounded: an older context wounded this one (wound-wait): set by the
 *	wounder under the wait lock of a mutex this context holds, read by the
 *	owner; a stale wound is dropped when the context next locks while
 *	holding nothing
 * @contending: the lock this context must take with ww_mutex_lock_slow()
 *	after an -EDEADLK
 * @blocked_on: private: the mutex the owner sleeps on, if any, so that a
 *	wounder can wake it (see ww_mutex.c)
 *
 * Everything but @wounded and @blocked_on is touched only by @owner.
 */
struct ww_acquire_ctx {
	pthread_t owner;
	struct ww_class *ww_class;
	unsigned long stamp;
	unsigned int acquired;
	bool done;
	DMB_ATOMIC(bool) wounded;
	struct ww_mutex *contending;
	DMB_ATOMIC(uintptr_t) blocked_on;
};

/**
 * struct ww_mutex - the mutex; embed it in the object it protects
 * @owner: non-zero token of the owning thread, 0 if unlocked, with bit 0
 *	set while @waiters is non-zero (atomic: the uncontended lock and unlock
 *	are one compare-and-swap each; a set waiters bit makes both fail)
 * @ctx: acquire context of the owner, or NULL; written only by the owner,
 *	read by contenders under @wait_lock
 * @ww_class: the class this mutex belongs to
 * @waiters: number of threads waiting for it (protected by @wait_lock)
 * @wait_lock: protects @waiters, @wait_list and the waiters bit
 * @wait_list: the sleeping contenders, in the order the lock goes to them
 *	(contexts by age, context-less ones at the tail); each sleeps on a
 *	condition variable of its own
 * @dep_map: held-lock tracking
 *
 * The fields are private: use the functions below.
 */
struct ww_mutex {
	DMB_ATOMIC(uintptr_t) owner;
	DMB_ATOMIC(struct ww_acquire_ctx *) ctx;
	struct ww_class *ww_class;
	unsigned int waiters;
	pthread_mutex_t wait_lock;
	struct dmb_list_head wait_list;
	struct dmb_lockdep_map dep_map;
};

/**
 * ww_mutex_init - initialise @lock as unlocked, in @ww_class
 *
 * Context: any thread; @lock not yet shared.
 */
void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class);

/**
 * ww_mutex_destroy - release @lock's resources; locking it held is reported
 *
 * Context: any thread; nobody holds or waits for @lock.
 */
void ww_mutex_destroy(struct ww_mutex *lock);

/**
 * ww_acquire_init - start a transaction in @ww_class with a fresh stamp
 *
 * Context: the thread that will use @ctx, and only it.
 */
void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class);

/**
 * ww_acquire_done - declare that no more locks will be taken in @ctx
 *
 * Context: the thread that owns @ctx.
 */
void ww_acquire_done(struct ww_acquire_ctx *ctx);

/**
 * ww_acquire_fini - end the transaction; every lock must be released
 *
 * Context: the thread that owns @ctx; no lock held in it (reported
 *	otherwise).
 */
void ww_acquire_fini(struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_lock - take @lock, inside @ctx or (ctx == NULL) as a plain mutex
 *
 * Context: may sleep.
 * Return: 0 on success; -EDEADLK if @ctx must back off (release all its
 * locks, then ww_mutex_lock_slow() the contended one); -EALREADY if @ctx
 * already holds @lock; -EINVAL on misuse (reported): @ctx used from another
 * thread, of another class, after ww_acquire_done(), or still holding locks
 * after an -EDEADLK; or @lock already held by the calling thread outside
 * @ctx, which would wait for itself forever.
 */
int ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_lock_slow - take the lock that made @ctx back off
 *
 * Must be called with no other lock held in @ctx (reported otherwise, and
 * the lock is still taken); it sleeps until @lock is free and never backs
 * off. A context used from another thread, of another class or after
 * ww_acquire_done(), or a lock the thread already holds outside @ctx, is
 * reported and the lock is not taken.
 *
 * Context: may sleep.
 */
void ww_mutex_lock_slow(struct ww_mutex *lock, struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_lock_interruptible - as ww_mutex_lock(), but a wait for @lock
 * ends if the calling thread has an interrupt request (interrupt.h)
 *
 * An uncontended lock is taken even with a request pending, as in the
 * kernel; only the wait is interruptible.
 * Context: may sleep.
 * Return: as ww_mutex_lock(), or -EINTR if interrupted (nothing taken;
 * @ctx need not back off).
 */
int ww_mutex_lock_interruptible(struct ww_mutex *lock,
				struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_lock_slow_interruptible - as ww_mutex_lock_slow(), interruptible
 * as ww_mutex_lock_interruptible()
 *
 * Context: may sleep.
 * Return: 0 once taken; -EINTR if interrupted (nothing taken); -EINVAL on
 * the misuse ww_mutex_lock_slow() reports and refuses.
 */
int ww_mutex_lock_slow_interruptible(struct ww_mutex *lock,
				     struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_trylock - take @lock only if it is free
 *
 * Never sleeps. Misuse of @ctx is reported as for ww_mutex_lock().
 * Context: any thread; never sleeps.
 * Return: true if taken (counted in @ctx if given), false otherwise.
 */
bool ww_mutex_trylock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx);

/**
 * ww_mutex_unlock - release @lock; only its owner may
 *
 * Context: the thread that holds @lock (reported otherwise).
 */
void ww_mutex_unlock(struct ww_mutex *lock);

/**
 * ww_mutex_is_locked - true if some thread holds @lock (a snapshot)
 *
 * Context: any thread, no lock (a snapshot).
 */
bool ww_mutex_is_locked(struct ww_mutex *lock);

/**
 * ww_mutex_held - true if the calling thread holds @lock
 *
 * Context: any thread, no lock.
 */
bool ww_mutex_held(struct ww_mutex *lock);

DMB_END_DECLS

#endif /* DMABUF_WW_MUTEX_H */
