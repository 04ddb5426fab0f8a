// SPDX-License-Identifier: MIT
/*
 * check-map.c - mapping tokens: the checker's shadow of one mapping (see
 * check.h for the contract).
 *
 * A token holds a reference on an immutable copy of its subject's names
 * (it outlives the attachment that named it; all mappings of one attachment
 * share one copy, made once) and moves one way only: LIVE -> INVALIDATED -> UNMAPPED, or LIVE ->
 * UNMAPPED. Each transition is stamped with the checker clock; a transition
 * that is not forward (invalidate after invalidate or unmap, a second unmap)
 * changes nothing and keeps the first stamp. The one way back is
 * dmb_check_map_reuse(), allowed only to a sole owner, which nobody else can
 * watch: the core recycles a token from one mapping to the next this way. dmb_check_dma() judges an access
 * by the state: any access after unmap is V5, a write that starts after
 * invalidation is V4, everything else is allowed.
 *
 * Locking: none. The state is one atomic that only a compare-and-swap moves
 * forward, so of two racing transitions exactly one wins, and only the
 * winner stamps the time (the stamps are atomics of their own). A reader
 * that sees a state whose stamp is not written yet (the winner is between
 * its swap and its stamp) treats the transition as happening now. Because
 * the state only moves forward, an access that sees LIVE (an acquire load,
 * the common case) is allowed without anything else. The reference count
 * is a dmb_kref.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/diag.h>

struct dmb_check_names {
	struct dmb_kref ref;
	struct dmb_check_subject who;	/* points into text */
	char text[];			/* the four names, NUL-separated */
};

struct dmb_check_map {
	struct dmb_kref ref;
	atomic_int state;		/* enum dmb_check_map_state */
	_Atomic int64_t invalidated_at;	/* -1 until stamped */
	_Atomic int64_t unmapped_at;	/* -1 until stamped */
	atomic_bool forced;		/* unmapped by the exporter */
	struct dmb_check_names *names;	/* immutable, shared */
};

/* What a report needs, read once. */
struct map_snapshot {
	enum dmb_check_map_state state;
	int64_t invalidated_at;
	int64_t unmapped_at;
	bool forced;
};

static const char *const access_names[] = {
	[DMB_DMA_START_READ] = "new read",
	[DMB_DMA_START_WRITE] = "new write",
	[DMB_DMA_READ] = "in-flight read",
	[DMB_DMA_WRITE] = "in-flight write",
};

/* Append @src (NULL as "") at @dst; return where the next one goes. */
static char *copy_name(char *dst, const char *src, const char **out)
{
	size_t len = src ? strlen(src) : 0;

	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
	*out = dst;
	return dst + len + 1;
}

static size_t name_len(const char *s)
{
	return s ? strlen(s) + 1 : 1;
}

struct dmb_check_names *dmb_check_names_create(const struct dmb_check_subject *who)
{
	static const struct dmb_check_subject nobody;
	struct dmb_check_names *names;
	char *p;

	if (!who)
		who = &nobody;
	names = malloc(sizeof(*names) + name_len(who->buffer) +
		       name_len(who->exporter) + name_len(who->importer) +
		       name_len(who->device));
	if (!names) {
		errno = ENOMEM;
		return NULL;
	}
	dmb_kref_init(&names->ref);
	p = copy_name(names->text, who->buffer, &names->who.buffer);
	p = copy_name(p, who->exporter, &names->who.exporter);
	p = copy_name(p, who->importer, &names->who.importer);
	copy_name(p, who->device, &names->who.device);
	return names;
}

struct dmb_check_names *dmb_check_names_get(struct dmb_check_names *names)
{
	if (names)
		dmb_kref_get(&names->ref);
	return names;
}

static void check_names_release(struct dmb_kref *ref)
{
	free(dmb_container_of(ref, struct dmb_check_names, ref));
}

void dmb_check_names_put(struct dmb_check_names *names)
{
	if (names)
		dmb_kref_put(&names->ref, check_names_release);
}

const struct dmb_check_subject *dmb_check_names_subject(struct dmb_check_names *names)
{
	return names ? &names->who : NULL;
}

static void map_reset(struct dmb_check_map *map)
{
	atomic_store_explicit(&map->invalidated_at, -1, memory_order_relaxed);
	atomic_store_explicit(&map->unmapped_at, -1, memory_order_relaxed);
	atomic_store_explicit(&map->forced, false, memory_order_relaxed);
	atomic_store_explicit(&map->state, DMB_MAP_LIVE, memory_order_release);
}

struct dmb_check_map *dmb_check_map_create_named(struct dmb_check_names *names)
{
	struct dmb_check_map *map;

	if (DMB_WARN(!names, "mapping token without names")) {
		errno = EINVAL;
		return NULL;
	}
	map = malloc(sizeof(*map));
	if (!map) {
		errno = ENOMEM;
		return NULL;
	}
	dmb_kref_init(&map->ref);
	map_reset(map);
	map->names = dmb_check_names_get(names);
	return map;
}

struct dmb_check_map *dmb_check_map_create(const struct dmb_check_subject *who)
{
	struct dmb_check_names *names = dmb_check_names_create(who);
	struct dmb_check_map *map;

	if (!names)
		return NULL;
	map = dmb_check_map_create_named(names);
	dmb_check_names_put(names);
	return map;
}

int dmb_check_map_reuse(struct dmb_check_map *map)
{
	if (DMB_WARN(!map, "reuse of a NULL mapping token"))
		return -EINVAL;
	/*
	 * Only a sole owner may reset: with no other reference there is no
	 * one to see the token go from UNMAPPED back to LIVE.
	 */
	/*
	 * Acquire: pairs with the release in the other holders' last put, so
	 * their last look at the state happens before the reset below.
	 */
	if (dmb_kref_read_acquire(&map->ref) != 1)
		return -EBUSY;
	map_reset(map);
	return 0;
}

struct dmb_check_map *dmb_check_map_get(struct dmb_check_map *map)
{
	if (map)
		dmb_kref_get(&map->ref);
	return map;
}

static void check_map_release(struct dmb_kref *ref)
{
	struct dmb_check_map *map = dmb_container_of(ref, struct dmb_check_map, ref);

	dmb_check_names_put(map->names);
	free(map);
}

void dmb_check_map_put(struct dmb_check_map *map)
{
	if (map)
		dmb_kref_put(&map->ref, check_map_release);
}

void dmb_check_map_invalidate(struct dmb_check_map *map)
{
	int expected = DMB_MAP_LIVE;

	if (DMB_WARN(!map, "invalidate of a NULL mapping token"))
		return;
	if (atomic_compare_exchange_strong_explicit(&map->state, &expected,
						    DMB_MAP_INVALIDATED,
						    memory_order_acq_rel,
						    memory_order_acquire))
		atomic_store_explicit(&map->invalidated_at, dmb_check_now(),
				      memory_order_release);
}

void dmb_check_map_unmap(struct dmb_check_map *map, bool forced)
{
	int state;

	if (DMB_WARN(!map, "unmap of a NULL mapping token"))
		return;
	state = atomic_load_explicit(&map->state, memory_order_acquire);
	do {
		if (state == DMB_MAP_UNMAPPED)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&map->state, &state,
							DMB_MAP_UNMAPPED,
							memory_order_acq_rel,
							memory_order_acquire));
	atomic_store_explicit(&map->forced, forced, memory_order_relaxed);
	atomic_store_explicit(&map->unmapped_at, dmb_check_now(),
			      memory_order_release);
}

/* A stamp the winner has not written yet is "now". */
static int64_t stamp_or_now(_Atomic int64_t *stamp)
{
	int64_t t = atomic_load_explicit(stamp, memory_order_acquire);

	return t >= 0 ? t : dmb_check_now();
}

static void map_snapshot(struct dmb_check_map *map, struct map_snapshot *snap)
{
	snap->state = atomic_load_explicit(&map->state, memory_order_acquire);
	snap->invalidated_at = snap->state == DMB_MAP_LIVE ? -1 :
		atomic_load_explicit(&map->invalidated_at, memory_order_acquire);
	snap->unmapped_at = snap->state != DMB_MAP_UNMAPPED ? -1 :
			    stamp_or_now(&map->unmapped_at);
	snap->forced = atomic_load_explicit(&map->forced, memory_order_relaxed);
	/* Invalidated before the unmap, but its stamp may still be in flight. */
	if (snap->state == DMB_MAP_INVALIDATED)
		snap->invalidated_at = stamp_or_now(&map->invalidated_at);
}

const struct dmb_check_subject *dmb_check_map_subject(struct dmb_check_map *map)
{
	if (DMB_WARN(!map, "subject of a NULL mapping token"))
		return NULL;
	return &map->names->who;
}

enum dmb_check_map_state dmb_check_map_state(struct dmb_check_map *map)
{
	if (DMB_WARN(!map, "state of a NULL mapping token"))
		return DMB_MAP_UNMAPPED;
	return atomic_load_explicit(&map->state, memory_order_acquire);
}

int64_t dmb_check_map_invalidated_at(struct dmb_check_map *map)
{
	struct map_snapshot snap;

	if (DMB_WARN(!map, "invalidated_at of a NULL mapping token"))
		return -1;
	map_snapshot(map, &snap);
	return snap.invalidated_at;
}

int64_t dmb_check_map_unmapped_at(struct dmb_check_map *map)
{
	struct map_snapshot snap;

	if (DMB_WARN(!map, "unmapped_at of a NULL mapping token"))
		return -1;
	map_snapshot(map, &snap);
	return snap.unmapped_at;
}

/* "12.345 ms": how long ago @then was on the checker clock. */
static void format_ago(char *buf, size_t size, int64_t then)
{
	int64_t ago = dmb_check_now() - then;

	snprintf(buf, size, "%lld.%03lld ms", (long long)(ago / NSEC_PER_MSEC),
		 (long long)(ago % NSEC_PER_MSEC / NSEC_PER_USEC));
}

int dmb_check_dma(struct dmb_check_map *map, enum dmb_dma_access access)
{
	struct map_snapshot snap;
	char ago[48];

	if (DMB_WARN(!map, "DMA check through a NULL mapping token"))
		return -EINVAL;
	if (DMB_WARN((unsigned int)access >= DMB_ARRAY_SIZE(access_names),
		     "unknown DMA access %d", (int)access))
		return -EINVAL;
	/* Forward-only state: LIVE now means the access raced nothing. */
	if (atomic_load_explicit(&map->state, memory_order_acquire) == DMB_MAP_LIVE)
		return 0;

	map_snapshot(map, &snap);
	if (snap.state == DMB_MAP_UNMAPPED) {
		format_ago(ago, sizeof(ago), snap.unmapped_at);
		dmb_check_report(DMB_V5_DMA_AFTER_UNMAP, &map->names->who,
				 "%s through a mapping %s %s ago; its IOVAs no longer translate",
				 access_names[access],
				 snap.forced ? "force-revoked by the exporter" :
					       "unmapped by the importer",
				 ago);
		return -EFAULT;
	}
	if (access == DMB_DMA_START_WRITE) {
		format_ago(ago, sizeof(ago), snap.invalidated_at);
		dmb_check_report(DMB_V4_DMA_AFTER_INVALIDATE, &map->names->who,
				 "new write through a mapping invalidated %s ago and not yet unmapped; after invalidate_mappings only in-flight work and read-and-discard may use it",
				 ago);
		return -EFAULT;
	}
	return 0;
}
