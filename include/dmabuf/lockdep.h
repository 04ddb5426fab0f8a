/* SPDX-License-Identifier: MIT */
/*
 * lockdep.h - per-thread held-lock tracking, the ground truth behind every
 * *_assert_held() check in libdmabuf.
 *
 * Each lock embeds a struct dmb_lockdep_map. Taking the lock records the map
 * (and the ww acquire context it was taken with, if any) in a small array
 * owned by the calling thread; releasing removes it. "Is this lock held by
 * me?" is then a scan of a handful of entries, with no shared state and no
 * locking at all.
 *
 * The same per-thread state models a rule plain lock checking cannot see:
 * a thread inside a fence-signalling section (between
 * dmb_fence_begin_signalling() and dmb_fence_end_signalling()) must not wait
 * for a fence, since the fence it waits for may need this very thread to
 * make progress. dma_fence_wait_timeout() reports such a wait.
 *
 * Locking: everything here touches only the calling thread's state.
 */
#ifndef DMABUF_LOCKDEP_H
#define DMABUF_LOCKDEP_H

#include <stdbool.h>
#include <dmabuf/diag.h>

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
 */
void dmb_lockdep_acquire(const struct dmb_lockdep_map *map, const void *ctx);

/**
 * dmb_lockdep_release - record that the calling thread released @map
 *
 * Return: true, or false (with a report) if the thread did not hold it.
 */
bool dmb_lockdep_release(const struct dmb_lockdep_map *map);

/** dmb_lockdep_is_held - true if the calling thread holds @map */
bool dmb_lockdep_is_held(const struct dmb_lockdep_map *map);

/** dmb_lockdep_depth - number of locks the calling thread holds */
unsigned int dmb_lockdep_depth(void);

/**
 * dmb_lockdep_held_ctx - the acquire context @map was taken with
 *
 * Return: the context, or NULL if taken without one or not held.
 */
const void *dmb_lockdep_held_ctx(const struct dmb_lockdep_map *map);

/**
 * dmb_lockdep_for_each_held - call @fn for each lock the thread holds,
 * oldest first, until @fn returns false
 */
void dmb_lockdep_for_each_held(bool (*fn)(const struct dmb_lockdep_map *map,
					  const void *ctx, void *data),
			       void *data);

#define dmb_lockdep_assert_held(map)					\
	DMB_WARN(!dmb_lockdep_is_held(map),				\
		 "lock %s is not held by the calling thread", (map)->name)

#define dmb_lockdep_assert_not_held(map)				\
	DMB_WARN(dmb_lockdep_is_held(map),				\
		 "lock %s is held by the calling thread", (map)->name)

/**
 * dmb_fence_begin_signalling - enter a fence-signalling critical section
 *
 * Code between begin and end is on the path that signals a fence (a job's
 * completion handler, a fence callback). Sections nest.
 * Return: a cookie for dmb_fence_end_signalling().
 */
bool dmb_fence_begin_signalling(void);

/** dmb_fence_end_signalling - leave the section entered with @cookie */
void dmb_fence_end_signalling(bool cookie);

/** dmb_fence_in_signalling - true inside a fence-signalling section */
bool dmb_fence_in_signalling(void);

#endif /* DMABUF_LOCKDEP_H */
