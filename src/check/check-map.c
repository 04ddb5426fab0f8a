// SPDX-License-Identifier: MIT
/*
 * check-map.c - mapping tokens: the checker's shadow of one mapping (see
 * check.h for the contract).
 *
 * A token copies its subject's names (it outlives the attachment that named
 * it) and moves one way only: LIVE -> INVALIDATED -> UNMAPPED, or LIVE ->
 * UNMAPPED. Each transition is stamped with the checker clock; a transition
 * that is not forward (invalidate after invalidate or unmap, a second unmap)
 * changes nothing and keeps the first stamp. dmb_check_dma() judges an access
 * by the state: any access after unmap is V5, a write that starts after
 * invalidation is V4, everything else is allowed.
 *
 * Locking: map->lock, a leaf mutex, serialises the transitions and makes a
 * state and its stamps one consistent snapshot; it is never held across a
 * call out (reports are raised after dropping it). Because the state only
 * moves forward, an access that sees LIVE (an acquire load, the common case)
 * is allowed without taking the lock. The reference count is a dmb_kref.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf/check.h>
#include <dmabuf/diag.h>

struct dmb_check_map {
	struct dmb_kref ref;
	pthread_mutex_t lock;
	atomic_int state;		/* enum dmb_check_map_state */
	int64_t invalidated_at;		/* -1 until invalidated */
	int64_t unmapped_at;		/* -1 until unmapped */
	bool forced;			/* unmapped by the exporter */
	char buffer[DMB_CHECK_NAME_LEN];
	char exporter[DMB_CHECK_NAME_LEN];
	char importer[DMB_CHECK_NAME_LEN];
	char device[DMB_CHECK_NAME_LEN];
	struct dmb_check_subject who;	/* points at the copies above */
};

/* What a report needs, taken under map->lock. */
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

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, DMB_CHECK_NAME_LEN, "%s", src ? src : "");
}

struct dmb_check_map *dmb_check_map_create(const struct dmb_check_subject *who)
{
	struct dmb_check_map *map = calloc(1, sizeof(*map));

	if (!map) {
		errno = ENOMEM;
		return NULL;
	}
	dmb_kref_init(&map->ref);
	pthread_mutex_init(&map->lock, NULL);
	atomic_init(&map->state, DMB_MAP_LIVE);
	map->invalidated_at = -1;
	map->unmapped_at = -1;
	if (who) {
		copy_name(map->buffer, who->buffer);
		copy_name(map->exporter, who->exporter);
		copy_name(map->importer, who->importer);
		copy_name(map->device, who->device);
	}
	map->who.buffer = map->buffer;
	map->who.exporter = map->exporter;
	map->who.importer = map->importer;
	map->who.device = map->device;
	return map;
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

	pthread_mutex_destroy(&map->lock);
	free(map);
}

void dmb_check_map_put(struct dmb_check_map *map)
{
	if (map)
		dmb_kref_put(&map->ref, check_map_release);
}

void dmb_check_map_invalidate(struct dmb_check_map *map)
{
	if (DMB_WARN(!map, "invalidate of a NULL mapping token"))
		return;
	pthread_mutex_lock(&map->lock);
	if (atomic_load_explicit(&map->state, memory_order_relaxed) == DMB_MAP_LIVE) {
		map->invalidated_at = dmb_check_now();
		atomic_store_explicit(&map->state, DMB_MAP_INVALIDATED,
				      memory_order_release);
	}
	pthread_mutex_unlock(&map->lock);
}

void dmb_check_map_unmap(struct dmb_check_map *map, bool forced)
{
	if (DMB_WARN(!map, "unmap of a NULL mapping token"))
		return;
	pthread_mutex_lock(&map->lock);
	if (atomic_load_explicit(&map->state, memory_order_relaxed) != DMB_MAP_UNMAPPED) {
		map->unmapped_at = dmb_check_now();
		map->forced = forced;
		atomic_store_explicit(&map->state, DMB_MAP_UNMAPPED,
				      memory_order_release);
	}
	pthread_mutex_unlock(&map->lock);
}

static void map_snapshot(struct dmb_check_map *map, struct map_snapshot *snap)
{
	pthread_mutex_lock(&map->lock);
	snap->state = atomic_load_explicit(&map->state, memory_order_relaxed);
	snap->invalidated_at = map->invalidated_at;
	snap->unmapped_at = map->unmapped_at;
	snap->forced = map->forced;
	pthread_mutex_unlock(&map->lock);
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
		dmb_check_report(DMB_V5_DMA_AFTER_UNMAP, &map->who,
				 "%s through a mapping %s %s ago; its IOVAs no longer translate",
				 access_names[access],
				 snap.forced ? "force-revoked by the exporter" :
					       "unmapped by the importer",
				 ago);
		return -EFAULT;
	}
	if (access == DMB_DMA_START_WRITE) {
		format_ago(ago, sizeof(ago), snap.invalidated_at);
		dmb_check_report(DMB_V4_DMA_AFTER_INVALIDATE, &map->who,
				 "new write through a mapping invalidated %s ago and not yet unmapped; after invalidate_mappings only in-flight work and read-and-discard may use it",
				 ago);
		return -EFAULT;
	}
	return 0;
}
