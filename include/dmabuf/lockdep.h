/* SPDX-License-Identifier: MIT */
/*
 * lockdep.h - per-thread held-lock tracking: lock order, recursion, and the
 * exact "held by me?" of locks that have no owner word (fence locks). Resv
 * locks answer that from their owner word (dma_resv_held()). Debug mode
 * only (debug.h): production mode records nothing.
 *
 * Each ww_mutex embeds a struct dmb_lockdep_map; a plain mutex taken with
 * dmb_mutex_lock() is keyed by its address. Taking the lock records it (and
 * the ww acquire context it was taken with, if any) in a small array owned
 * by the calling thread; releasing removes it. "Is this lock held by
 * me?" is then a scan of a handful of entries, with no shared state and no
 * locking at all.
 *
 * The same per-thread state models a rule plain lock checking cannot see:
 * a thread inside a fence-signalling section (between
 * dmb_fence_begin_signalling() and dmb_fence_end_signalling()) must not wait
 * for a fence, since the fence it waits for may need this very thread to
 * make progress. dma_fence_wait_timeout() reports such a wait.
 *
 * Lock order (V10 of the protocol). Locks whose map name was registered
 * with dmb_lockdep_track_order() are "order-checked": when a thread takes one
 * without an acquire context while holding others taken the same way, the
 * pairs (held -> taken) are edges of one process-wide graph. A new edge that
 * closes a cycle is an order inversion, a potential ABBA deadlock between
 * threads, and is handed to the inversion hook (the protocol checker
 * installs one that reports V10). Locks taken inside an acquire context are
 * exempt: wait-die or wound-wait resolves their contention. A lock whose
 * memory is about to be reused calls dmb_lockdep_forget(), so that edges of
 * the dead lock do not attach to the next one at the same address.
 *
 * Locking: held-lock tracking touches only the calling thread's state. The
 * order graph is behind an internal leaf mutex that is taken only when an
 * order-checked lock is taken without a context while the thread already
 * holds another such lock (and by dmb_lockdep_forget() once the graph has
 * any edge), never held across a call out: the hook runs without it.
 */
#ifndef DMABUF_LOCKDEP_H
#define DMABUF_LOCKDEP_H

#include <pthread.h>
#include <stdbool.h>
#include <dmabuf/compiler.h>
#include <dmabuf/debug.h>
#include <dmabuf/diag.h>

DMB_BEGIN_DECLS

/* How many locks one thread may hold at once before tracking gives up. */
#define DMB_LOCKDEP_MAX_HELD	64

struct dmb_lockdep_map {
	const char *name;	/* for reports: "reservation_ww_class_mutex" */
};

/**
 * dmb_lockdep_acquire - record that the calling thread now holds @map
 * @map: the lock
 * @ctx: the ww acquire context it was taken with, or NULL
 *
 * Reports (and does not record) a second acquisition of a lock the thread
 * already holds, and an overflow of DMB_LOCKDEP_MAX_HELD.
 * Context: the thread that just took the lock (lock implementations call it).
 */
void dmb_lockdep_acquire(const struct dmb_lockdep_map *map, const void *ctx);

/**
 * dmb_lockdep_acquire_trylock - as dmb_lockdep_acquire() for a lock taken
 * with a trylock: recorded as held, but no order edge is added for it. A
 * trylock cannot wait, so it cannot close a deadlock cycle; "hold B, trylock
 * A" is the usual way around an A-then-B order and must not be reported as
 * its inversion. Locks taken later still order after it.
 * Context: the thread that just took the lock with a trylock.
 */
void dmb_lockdep_acquire_trylock(const struct dmb_lockdep_map *map,
				 const void *ctx);

/**
 * dmb_lockdep_release - record that the calling thread released @map
 *
 * Context: the thread that is releasing the lock, before it does.
 * Return: true, or false (with a report) if the thread did not hold it.
 */
bool dmb_lockdep_release(const struct dmb_lockdep_map *map);

/**
 * dmb_lockdep_is_held - true if the calling thread holds @map
 *
 * Exact in debug mode; false in production mode, where nothing is recorded.
 * Context: any thread; about the calling thread only.
 */
bool dmb_lockdep_is_held(const struct dmb_lockdep_map *map);

/**
 * dmb_lockdep_depth - number of locks the calling thread holds
 *
 * Context: any thread; about the calling thread only.
 */
unsigned int dmb_lockdep_depth(void);

/**
 * dmb_lockdep_held_ctx - the acquire context @map was taken with
 *
 * Context: any thread; about the calling thread only.
 * Return: the context, or NULL if taken without one or not held.
 */
const void *dmb_lockdep_held_ctx(const struct dmb_lockdep_map *map);

/**
 * dmb_lockdep_for_each_held - call @fn for each lock the thread holds,
 * oldest first, until @fn returns false
 * Context: any thread; @fn runs in it, about its own locks, and must not take
 *	or release a lock.
 */
void dmb_lockdep_for_each_held(bool (*fn)(const struct dmb_lockdep_map *map,
					  const void *ctx, void *data),
			       void *data);

/**
 * dmb_lockdep_assert_held - report if the calling thread does not hold @map
 *
 * An assertion, as the kernel's lockdep_assert_held(): no value; nothing in
 * production mode, where nothing is tracked.
 * Context: any.
 */
#define dmb_lockdep_assert_held(map) do {				\
	if (dmb_debug_enabled())					\
		DMB_WARN(!dmb_lockdep_is_held(map),			\
			 "lock %s is not held by the calling thread",	\
			 (map)->name);					\
} while (0)

/**
 * dmb_lockdep_assert_not_held - report if the calling thread holds @map
 *
 * Nothing in production mode. Context: any.
 */
#define dmb_lockdep_assert_not_held(map) do {				\
	if (dmb_debug_enabled())					\
		DMB_WARN(dmb_lockdep_is_held(map),			\
			 "lock %s is held by the calling thread",	\
			 (map)->name);					\
} while (0)

/**
 * dmb_mutex_lock - lock a plain pthread mutex, recording it as held
 *
 * For mutexes that *_locked calls require, such as a fence's lock
 * (dmb_fence_lock() takes it this way): their callee can then assert the
 * lock exactly (dmb_mutex_held()) instead of guessing with a trylock.
 * Locking or unlocking a tracked mutex with plain pthread calls leaves the
 * record wrong; use this pair for every lock and unlock of it.
 * Context: @lock not held by the calling thread (reported in debug mode).
 */
void dmb_mutex_lock(pthread_mutex_t *lock);

/**
 * dmb_mutex_unlock - unlock a mutex taken with dmb_mutex_lock()
 *
 * Context: @lock held by the calling thread (reported otherwise in debug
 * mode; the mutex is unlocked all the same, as pthread would).
 */
void dmb_mutex_unlock(pthread_mutex_t *lock);

/**
 * dmb_mutex_held - true if the calling thread took @lock with
 * dmb_mutex_lock() and has not unlocked it
 *
 * Exact in debug mode; in production mode nothing is recorded and the
 * answer is false (assert through dmb_mutex_assert_held(), which knows).
 * Context: any.
 */
bool dmb_mutex_held(const pthread_mutex_t *lock);

/**
 * dmb_mutex_held_or_report - for a call that needs @lock: true if the
 * calling thread holds it, or in production mode (which cannot tell); else
 * a WARN naming the caller's place, and false so that the caller refuses
 *
 * Context: any.
 */
#define dmb_mutex_held_or_report(lock)					\
	(!dmb_debug_enabled() ||					\
	 !DMB_WARN(!dmb_mutex_held(lock),				\
		   "mutex %p is not held by the calling thread",	\
		   (const void *)(lock)))

/**
 * dmb_mutex_assert_held - report if the calling thread does not hold @lock
 *
 * An assertion, no value; nothing in production mode. Context: any.
 */
#define dmb_mutex_assert_held(lock)	((void)dmb_mutex_held_or_report(lock))

/* How many lock names dmb_lockdep_track_order() can register. */
#define DMB_LOCKDEP_ORDER_NAMES	8

/**
 * dmb_lockdep_track_order - check the order of every lock named @name
 * @name: the name pointer the locks' maps carry (for ww_mutexes, their
 *	class's mutex_name); compared by address, not by content
 *
 * Registering a name twice is harmless.
 * Context: any thread; takes the order graph's leaf lock.
 * Return: 0, -EINVAL for NULL, or -ENOSPC if DMB_LOCKDEP_ORDER_NAMES names
 * are registered already.
 */
int dmb_lockdep_track_order(const char *name);

/**
 * typedef dmb_lockdep_inversion_fn - told about one lock-order inversion
 * @held: a lock the calling thread holds
 * @taken: the lock it just took while holding @held
 * @path: how many locks the opposite order went through: 1 if @taken was
 *	earlier held while taking @held directly, more if through others
 *
 * Context: the thread that took @taken, right after taking it, with every
 * lock it holds still held (the graph mutex is not held).
 */
typedef void (*dmb_lockdep_inversion_fn)(const struct dmb_lockdep_map *held,
					 const struct dmb_lockdep_map *taken,
					 unsigned int path);

/**
 * dmb_lockdep_set_inversion_hook - route inversions to @fn
 *
 * Each inverted pair is reported once: the edge is recorded, so taking the
 * locks the same way again is not a new inversion. With no hook (NULL, the
 * default) edges are still recorded and inversions dropped.
 * Context: any thread.
 */
void dmb_lockdep_set_inversion_hook(dmb_lockdep_inversion_fn fn);

/**
 * dmb_lockdep_forget - drop every order edge that involves @map
 *
 * Called when a lock is destroyed, before its memory may hold another lock.
 * Context: no thread holds @map.
 */
void dmb_lockdep_forget(const struct dmb_lockdep_map *map);

/**
 * dmb_fence_begin_signalling - enter a fence-signalling critical section
 *
 * Code between begin and end is on the path that signals a fence (a job's
 * completion handler, a fence callback). Sections nest.
 * Context: any thread; about the calling thread only.
 * Return: a cookie for dmb_fence_end_signalling().
 */
bool dmb_fence_begin_signalling(void);

/**
 * dmb_fence_end_signalling - leave the section entered with @cookie
 *
 * Context: the thread that began the section.
 */
void dmb_fence_end_signalling(bool cookie);

/**
 * dmb_fence_in_signalling - true inside a fence-signalling section
 *
 * Context: any thread; about the calling thread only.
 */
bool dmb_fence_in_signalling(void);

DMB_END_DECLS

#endif /* DMABUF_LOCKDEP_H */
