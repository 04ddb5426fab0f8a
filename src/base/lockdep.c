// SPDX-License-Identifier: MIT
/*
 * lockdep.c - per-thread held-lock tracking and fence-signalling sections.
 *
 * Contract: each thread owns a fixed array of the locks it holds, in the
 * order it took them. Held-lock tracking is not shared between threads, so
 * it needs no lock and costs a few loads and stores per lock operation.
 * Overflowing the array is reported once per thread; from then on locks
 * beyond the limit are not tracked (asserts on them will fire). Two kinds of
 * lock share the array: locks with a struct dmb_lockdep_map (ww_mutexes,
 * keyed by the map) and plain pthread mutexes taken with dmb_mutex_lock()
 * (fence locks, keyed by the mutex's address); only the former have names
 * and take part in lock order.
 *
 * In production mode (debug.h) nothing is tracked: every entry point
 * returns at once, and "is it held?" cannot be answered (see lockdep.h for
 * what each query returns then). The mode only ever goes from debug to
 * production; records left from debug mode are then never looked at.
 *
 * Lock order: the one shared structure is the order graph of order-checked
 * locks taken without an acquire context (see lockdep.h). Its nodes are
 * locks (keyed by map address, in a fixed hash table), its edges "held ->
 * taken" pairs, each on the out-list of its source and the in-list of its
 * target. A new edge A -> B is an inversion if B already reaches A; the
 * breadth-first search that tells runs only for edges never seen before, so
 * a program that keeps taking its locks in one order pays it once per pair.
 * An allocation failure loses an edge (fewer inversions found), never a
 * lock operation.
 *
 * Locking: order_lock protects the graph and the registration of names; it
 * is a leaf, never held across a call out (the inversion hook runs after it
 * is dropped). The fast paths read only atomics: a thread that holds no
 * other lock, or takes a lock that is not order-checked or takes it in a
 * context, never touches order_lock; dmb_lockdep_forget() takes it only
 * while the graph has nodes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf/list.h>
#include <dmabuf/lockdep.h>

#include "debug-private.h"

struct held_lock {
	const void *key;			/* the map, or a plain mutex */
	const struct dmb_lockdep_map *map;	/* NULL for a plain mutex */
	const void *ctx;
};

struct lockdep_thread {
	unsigned int depth;
	unsigned int signalling;
	bool overflow_reported;
	struct held_lock held[DMB_LOCKDEP_MAX_HELD];
};

static _Thread_local struct lockdep_thread current_thread;

#define ORDER_HASH_BITS	10

/* A lock in the order graph. */
struct order_node {
	const struct dmb_lockdep_map *map;
	struct order_node *hash_next;
	struct dmb_list_head out;	/* edges from this lock */
	struct dmb_list_head in;	/* edges to this lock */
	/* breadth-first search state, valid while visit == order_search */
	unsigned long visit;
	unsigned int depth;
	struct order_node *queue_next;
};

/* "@from was held while @to was taken", both without a context. */
struct order_edge {
	struct order_node *from, *to;
	struct dmb_list_head out_link;	/* in from->out */
	struct dmb_list_head in_link;	/* in to->in */
};

static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *order_names[DMB_LOCKDEP_ORDER_NAMES];
static atomic_uint order_nr_names;	/* entries of order_names published */
static atomic_uint order_nr_nodes;	/* nodes in the graph */
static _Atomic(dmb_lockdep_inversion_fn) order_hook;
static struct order_node *order_hash[1u << ORDER_HASH_BITS];
static unsigned long order_search;	/* generation of the last search */

static int held_index(const void *key)
{
	struct lockdep_thread *t = &current_thread;

	/* Newest first: the lock being released is usually the last taken. */
	for (int i = (int)t->depth - 1; i >= 0; i--)
		if (t->held[i].key == key)
			return i;
	return -1;
}

static bool order_checked(const struct dmb_lockdep_map *map)
{
	unsigned int n = atomic_load_explicit(&order_nr_names,
					      memory_order_acquire);

	for (unsigned int i = 0; i < n; i++)
		if (order_names[i] == map->name)
			return true;
	return false;
}

static struct order_node **order_bucket(const struct dmb_lockdep_map *map)
{
	uint64_t key = (uintptr_t)map * 0x9e3779b97f4a7c15ull;

	return &order_hash[key >> (64 - ORDER_HASH_BITS)];
}

/* The node of @map, or NULL. Context: order_lock held. */
static struct order_node *order_find(const struct dmb_lockdep_map *map)
{
	struct order_node *node = *order_bucket(map);

	while (node && node->map != map)
		node = node->hash_next;
	return node;
}

/* The node of @map, created if need be; NULL if out of memory. */
static struct order_node *order_find_or_add(const struct dmb_lockdep_map *map)
{
	struct order_node **bucket = order_bucket(map);
	struct order_node *node = order_find(map);

	if (node)
		return node;
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	node->map = map;
	dmb_list_init(&node->out);
	dmb_list_init(&node->in);
	node->hash_next = *bucket;
	*bucket = node;
	atomic_fetch_add_explicit(&order_nr_nodes, 1, memory_order_relaxed);
	return node;
}

static bool order_has_edge(struct order_node *from, struct order_node *to)
{
	struct order_edge *edge;

	dmb_list_for_each_entry(edge, &from->out, out_link)
		if (edge->to == to)
			return true;
	return false;
}

/*
 * Length in edges of the shortest path from @from to @to, or 0 if there is
 * none: a breadth-first search queued through the nodes themselves, so it
 * needs no memory. Context: order_lock held.
 */
static unsigned int order_path(struct order_node *from, struct order_node *to)
{
	struct order_node *tail = from;
	struct order_edge *edge;

	from->visit = ++order_search;
	from->depth = 0;
	from->queue_next = NULL;
	for (struct order_node *node = from; node; node = node->queue_next) {
		dmb_list_for_each_entry(edge, &node->out, out_link) {
			if (edge->to == to)
				return node->depth + 1;
			if (edge->to->visit == order_search)
				continue;
			edge->to->visit = order_search;
			edge->to->depth = node->depth + 1;
			edge->to->queue_next = NULL;
			tail->queue_next = edge->to;
			tail = edge->to;
		}
	}
	return 0;
}

/*
 * Record that @held was held while @taken was taken. Return: the length of
 * the path by which @taken already reached @held if this is a new edge that
 * inverts the order, 0 otherwise.
 */
static unsigned int order_add(const struct dmb_lockdep_map *held,
			      const struct dmb_lockdep_map *taken)
{
	struct order_node *from, *to;
	struct order_edge *edge;
	unsigned int path = 0;

	pthread_mutex_lock(&order_lock);
	from = order_find_or_add(held);
	to = order_find_or_add(taken);
	if (!from || !to || order_has_edge(from, to))
		goto out_unlock;
	edge = malloc(sizeof(*edge));
	if (!edge)
		goto out_unlock;
	path = order_path(to, from);
	edge->from = from;
	edge->to = to;
	dmb_list_add_tail(&edge->out_link, &from->out);
	dmb_list_add_tail(&edge->in_link, &to->in);
out_unlock:
	pthread_mutex_unlock(&order_lock);
	return path;
}

/*
 * @map, order-checked, was just taken without a context: add an edge from
 * every order-checked lock the thread held before it without a context.
 */
static void order_note(struct lockdep_thread *t,
		       const struct dmb_lockdep_map *map)
{
	for (unsigned int i = 0; i + 1 < t->depth; i++) {
		const struct dmb_lockdep_map *held = t->held[i].map;
		dmb_lockdep_inversion_fn hook;
		unsigned int path;

		if (!held || t->held[i].ctx || !order_checked(held))
			continue;
		path = order_add(held, map);
		hook = atomic_load_explicit(&order_hook, memory_order_acquire);
		if (path && hook)
			hook(held, map, path);
	}
}

int dmb_lockdep_track_order(const char *name)
{
	unsigned int n;
	int ret = 0;

	if (DMB_WARN(!name, "lock-order tracking of a NULL name"))
		return -EINVAL;
	pthread_mutex_lock(&order_lock);
	n = atomic_load_explicit(&order_nr_names, memory_order_relaxed);
	for (unsigned int i = 0; i < n; i++)
		if (order_names[i] == name)
			goto out_unlock;
	if (n == DMB_LOCKDEP_ORDER_NAMES) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	order_names[n] = name;
	atomic_store_explicit(&order_nr_names, n + 1, memory_order_release);
out_unlock:
	pthread_mutex_unlock(&order_lock);
	return ret;
}

void dmb_lockdep_set_inversion_hook(dmb_lockdep_inversion_fn fn)
{
	atomic_store_explicit(&order_hook, fn, memory_order_release);
}

void dmb_lockdep_forget(const struct dmb_lockdep_map *map)
{
	struct order_edge *edge, *tmp;
	struct order_node **link, *node;

	if (DMB_WARN(!map, "dmb_lockdep_forget(NULL)"))
		return;
	if (!atomic_load_explicit(&order_nr_nodes, memory_order_relaxed) ||
	    !order_checked(map))
		return;
	pthread_mutex_lock(&order_lock);
	for (link = order_bucket(map); *link; link = &(*link)->hash_next)
		if ((*link)->map == map)
			break;
	node = *link;
	if (!node)
		goto out_unlock;
	*link = node->hash_next;
	dmb_list_for_each_entry_safe(edge, tmp, &node->out, out_link) {
		dmb_list_del(&edge->in_link);
		free(edge);
	}
	dmb_list_for_each_entry_safe(edge, tmp, &node->in, in_link) {
		dmb_list_del(&edge->out_link);
		free(edge);
	}
	free(node);
	atomic_fetch_sub_explicit(&order_nr_nodes, 1, memory_order_relaxed);
out_unlock:
	pthread_mutex_unlock(&order_lock);
}

/* A lock's name for reports: its map's, or the mutex's address. */
#define HELD_NAME_LEN	32

static const char *held_name(const void *key, const struct dmb_lockdep_map *map,
			     char buf[HELD_NAME_LEN])
{
	if (map)
		return map->name;
	snprintf(buf, HELD_NAME_LEN, "mutex %p", key);
	return buf;
}

/*
 * What lockdep_push() and lockdep_pop() report, out of line: the common
 * path of a lock operation stays a few loads and stores.
 */
static void __attribute__((noinline, cold))
report_recursion(const void *key, const struct dmb_lockdep_map *map)
{
	char name[HELD_NAME_LEN];

	DMB_WARN(true, "recursive acquisition of lock %s",
		 held_name(key, map, name));
}

static void __attribute__((noinline, cold))
report_overflow(struct lockdep_thread *t, const void *key,
		const struct dmb_lockdep_map *map)
{
	char name[HELD_NAME_LEN];

	if (!t->overflow_reported)
		DMB_WARN(true, "thread holds more than %d locks; tracking stops at %s",
			 DMB_LOCKDEP_MAX_HELD, held_name(key, map, name));
	t->overflow_reported = true;
}

static void __attribute__((noinline, cold))
report_not_held(const void *key, const struct dmb_lockdep_map *map)
{
	char name[HELD_NAME_LEN];

	DMB_WARN(true, "release of lock %s, not held by this thread",
		 held_name(key, map, name));
}

/* Record @key as held; false if it could not be (reported). */
static bool lockdep_push(struct lockdep_thread *t, const void *key,
			 const struct dmb_lockdep_map *map, const void *ctx)
{
	if (dmb_unlikely(held_index(key) >= 0)) {
		report_recursion(key, map);
		return false;
	}
	if (dmb_unlikely(t->depth == DMB_LOCKDEP_MAX_HELD)) {
		report_overflow(t, key, map);
		return false;
	}
	t->held[t->depth].key = key;
	t->held[t->depth].map = map;
	t->held[t->depth].ctx = ctx;
	t->depth++;
	return true;
}

/* Forget @key; false (reported) if the thread did not hold it. */
static bool lockdep_pop(struct lockdep_thread *t, const void *key,
			const struct dmb_lockdep_map *map)
{
	int i = held_index(key);

	if (dmb_unlikely(i < 0)) {
		report_not_held(key, map);
		return false;
	}
	for (; i + 1 < (int)t->depth; i++)
		t->held[i] = t->held[i + 1];
	t->depth--;
	return true;
}

/*
 * The tracked halves of the entry points below, out of line so that the
 * production-mode test in front of them costs no stack frame.
 */
static void __attribute__((noinline))
lockdep_acquire(const struct dmb_lockdep_map *map, const void *ctx)
{
	struct lockdep_thread *t = &current_thread;

	if (lockdep_push(t, map, map, ctx) && t->depth > 1 && !ctx &&
	    order_checked(map))
		order_note(t, map);
}

static bool __attribute__((noinline))
lockdep_release(const struct dmb_lockdep_map *map)
{
	return lockdep_pop(&current_thread, map, map);
}

void dmb_lockdep_acquire(const struct dmb_lockdep_map *map, const void *ctx)
{
	struct lockdep_thread *t;

	/* Checked in debug mode only: production mode never touches @map. */
	if (!__dmb_debug_on() || DMB_WARN(!map, "lock tracking of a NULL lock"))
		return;
	/* The common case: the first lock; nothing to compare or order. */
	t = &current_thread;
	if (dmb_likely(t->depth == 0)) {
		t->held[0] = (struct held_lock){ .key = map, .map = map, .ctx = ctx };
		t->depth = 1;
		return;
	}
	lockdep_acquire(map, ctx);
}

void dmb_lockdep_acquire_trylock(const struct dmb_lockdep_map *map,
				 const void *ctx)
{
	if (__dmb_debug_on() && !DMB_WARN(!map, "lock tracking of a NULL lock"))
		lockdep_push(&current_thread, map, map, ctx);
}

bool dmb_lockdep_release(const struct dmb_lockdep_map *map)
{
	struct lockdep_thread *t;

	if (!__dmb_debug_on())
		return true;
	if (DMB_WARN(!map, "release of a NULL lock"))
		return false;
	/* The common case: the newest lock goes first. */
	t = &current_thread;
	if (dmb_likely(t->depth && t->held[t->depth - 1].key == map)) {
		t->depth--;
		return true;
	}
	return lockdep_release(map);
}

/* In production mode the record may be stale (kept from debug mode): unused. */
bool dmb_lockdep_is_held(const struct dmb_lockdep_map *map)
{
	if (DMB_WARN(!map, "dmb_lockdep_is_held(NULL)"))
		return false;
	return __dmb_debug_on() && held_index(map) >= 0;
}

unsigned int dmb_lockdep_depth(void)
{
	return current_thread.depth;
}

const void *dmb_lockdep_held_ctx(const struct dmb_lockdep_map *map)
{
	int i;

	if (DMB_WARN(!map, "dmb_lockdep_held_ctx(NULL)"))
		return NULL;
	i = held_index(map);
	return i < 0 ? NULL : current_thread.held[i].ctx;
}

void dmb_lockdep_for_each_held(bool (*fn)(const struct dmb_lockdep_map *map,
					  const void *ctx, void *data),
			       void *data)
{
	struct lockdep_thread *t = &current_thread;

	if (DMB_WARN(!fn, "dmb_lockdep_for_each_held without a function"))
		return;
	for (unsigned int i = 0; i < t->depth; i++)
		if (t->held[i].map && !fn(t->held[i].map, t->held[i].ctx, data))
			return;
}

void dmb_mutex_lock(pthread_mutex_t *lock)
{
	if (DMB_WARN(!lock, "dmb_mutex_lock(NULL)"))
		return;
	pthread_mutex_lock(lock);
	if (__dmb_debug_on())
		lockdep_push(&current_thread, lock, NULL, NULL);
}

void dmb_mutex_unlock(pthread_mutex_t *lock)
{
	if (DMB_WARN(!lock, "dmb_mutex_unlock(NULL)"))
		return;
	if (__dmb_debug_on())
		lockdep_pop(&current_thread, lock, NULL);
	pthread_mutex_unlock(lock);
}

bool dmb_mutex_held(const pthread_mutex_t *lock)
{
	if (DMB_WARN(!lock, "dmb_mutex_held(NULL)"))
		return false;
	return __dmb_debug_on() && held_index(lock) >= 0;
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
