// SPDX-License-Identifier: MIT
/*
 * lockdep.c - per-thread held-lock tracking and fence-signalling sections.
 *
 * Contract: each thread owns a fixed array of the locks it holds, in the
 * order it took them. Nothing here is shared between threads, so nothing
 * needs a lock and the cost is a few loads and stores per lock operation.
 * Overflowing the array is reported once per thread; from then on locks
 * beyond the limit are not tracked (asserts on them will fire).
 */
#include <dmabuf/lockdep.h>

struct held_lock {
	const struct dmb_lockdep_map *map;
	const void *ctx;
};

struct lockdep_thread {
	unsigned int depth;
	unsigned int signalling;
	bool overflow_reported;
	struct held_lock held[DMB_LOCKDEP_MAX_HELD];
};

static _Thread_local struct lockdep_thread current_thread;

static int held_index(const struct dmb_lockdep_map *map)
{
	struct lockdep_thread *t = &current_thread;

	/* Newest first: the lock being released is usually the last taken. */
	for (int i = (int)t->depth - 1; i >= 0; i--)
		if (t->held[i].map == map)
			return i;
	return -1;
}

void dmb_lockdep_acquire(const struct dmb_lockdep_map *map, const void *ctx)
{
	struct lockdep_thread *t = &current_thread;

	if (DMB_WARN(held_index(map) >= 0,
		     "recursive acquisition of lock %s", map->name))
		return;
	if (t->depth == DMB_LOCKDEP_MAX_HELD) {
		if (!t->overflow_reported)
			DMB_WARN(true, "thread holds more than %d locks; "
				 "tracking stops at %s", DMB_LOCKDEP_MAX_HELD,
				 map->name);
		t->overflow_reported = true;
		return;
	}
	t->held[t->depth].map = map;
	t->held[t->depth].ctx = ctx;
	t->depth++;
}

bool dmb_lockdep_release(const struct dmb_lockdep_map *map)
{
	struct lockdep_thread *t = &current_thread;
	int i = held_index(map);

	if (DMB_WARN(i < 0, "release of lock %s, not held by this thread",
		     map->name))
		return false;
	for (; i + 1 < (int)t->depth; i++)
		t->held[i] = t->held[i + 1];
	t->depth--;
	return true;
}

bool dmb_lockdep_is_held(const struct dmb_lockdep_map *map)
{
	return held_index(map) >= 0;
}

unsigned int dmb_lockdep_depth(void)
{
	return current_thread.depth;
}

const void *dmb_lockdep_held_ctx(const struct dmb_lockdep_map *map)
{
	int i = held_index(map);

	return i < 0 ? NULL : current_thread.held[i].ctx;
}

void dmb_lockdep_for_each_held(bool (*fn)(const struct dmb_lockdep_map *map,
					  const void *ctx, void *data),
			       void *data)
{
	struct lockdep_thread *t = &current_thread;

	for (unsigned int i = 0; i < t->depth; i++)
		if (!fn(t->held[i].map, t->held[i].ctx, data))
			return;
}

bool dmb_fence_begin_signalling(void)
{
	current_thread.signalling++;
	return true;
}

void dmb_fence_end_signalling(bool cookie)
{
	if (!cookie)
		return;
	if (DMB_WARN(current_thread.signalling == 0,
		     "fence_end_signalling without a matching begin"))
		return;
	current_thread.signalling--;
}

bool dmb_fence_in_signalling(void)
{
	return current_thread.signalling != 0;
}
