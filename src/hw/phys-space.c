// SPDX-License-Identifier: MIT
/*
 * phys-space.c - the physical address space: a table of regions sorted by
 * base, and the clock of the hardware on it (see hw/phys-space.h).
 *
 * Bases come from a bump pointer that starts at DMB_PHYS_BASE and moves to
 * the next DMB_PHYS_REGION_ALIGN boundary past each new region; they are
 * never reused, so the table stays sorted by appending and a stale physical
 * address never reaches a newer region.
 *
 * Locking: space->lock, a writer-preferring rwlock, protects the table.
 * Inserting and removing take it for writing; lookups and every chunk of
 * simulated DMA take it for reading, so taking it for writing and dropping
 * it again (__dmb_space_barrier()) waits until every DMA chunk that started
 * before has finished. Lock order: an IOMMU domain's lock, then this one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <dmabuf/diag.h>

#include "hw-internal.h"

struct dmb_phys_space {
	struct dmb_live live;
	struct dmb_clock *clock;
	pthread_rwlock_t lock;
	struct dmb_mem_region **regions;	/* sorted by base */
	size_t nr, cap;
	uint64_t next_base;
};

struct dmb_phys_space *dmb_phys_space_create(struct dmb_clock *clock)
{
	struct dmb_phys_space *space;
	pthread_rwlockattr_t attr;

	if (DMB_WARN(!clock, "physical address space without a clock")) {
		errno = EINVAL;
		return NULL;
	}
	space = calloc(1, sizeof(*space));
	if (!space)
		return NULL;
	space->clock = clock;
	space->next_base = DMB_PHYS_BASE;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&space->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	dmb_live_add(&space->live);
	return space;
}

int dmb_phys_space_destroy(struct dmb_phys_space *space)
{
	size_t nr;

	if (!space)
		return 0;
	if (dmb_live_refuse(&space->live, "dmb_phys_space_destroy"))
		return -EINVAL;
	pthread_rwlock_rdlock(&space->lock);
	nr = space->nr;
	pthread_rwlock_unlock(&space->lock);
	if (DMB_WARN(nr, "destroying a physical address space with %zu regions left",
		     nr))
		return -EBUSY;
	dmb_live_del(&space->live);
	pthread_rwlock_destroy(&space->lock);
	free(space->regions);
	free(space);
	return 0;
}

struct dmb_clock *dmb_phys_space_clock(struct dmb_phys_space *space)
{
	if (DMB_WARN(!space, "dmb_phys_space_clock(NULL)"))
		return NULL;
	return space->clock;
}

void __dmb_space_read_lock(struct dmb_phys_space *space)
{
	pthread_rwlock_rdlock(&space->lock);
}

void __dmb_space_read_unlock(struct dmb_phys_space *space)
{
	pthread_rwlock_unlock(&space->lock);
}

void __dmb_space_write_lock(struct dmb_phys_space *space)
{
	pthread_rwlock_wrlock(&space->lock);
}

void __dmb_space_write_unlock(struct dmb_phys_space *space)
{
	pthread_rwlock_unlock(&space->lock);
}

void __dmb_space_barrier(struct dmb_phys_space *space)
{
	pthread_rwlock_wrlock(&space->lock);
	pthread_rwlock_unlock(&space->lock);
}

struct dmb_mem_region *__dmb_space_lookup_locked(struct dmb_phys_space *space,
						 uint64_t phys)
{
	size_t lo = 0, hi = space->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct dmb_mem_region *r = space->regions[mid];

		if (phys < r->base)
			hi = mid;
		else if (phys - r->base >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

int __dmb_space_insert(struct dmb_phys_space *space, struct dmb_mem_region *region)
{
	int ret = 0;

	pthread_rwlock_wrlock(&space->lock);
	if (space->nr == space->cap) {
		size_t cap = space->cap ? 2 * space->cap : 8;
		struct dmb_mem_region **r = realloc(space->regions,
						    cap * sizeof(*r));

		if (!r) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		space->regions = r;
		space->cap = cap;
	}
	region->base = space->next_base;
	space->next_base = (region->base + region->size + DMB_PHYS_REGION_ALIGN - 1) &
			   ~(DMB_PHYS_REGION_ALIGN - 1);
	space->regions[space->nr++] = region;
out_unlock:
	pthread_rwlock_unlock(&space->lock);
	return ret;
}

int __dmb_space_remove(struct dmb_phys_space *space, struct dmb_mem_region *region)
{
	int ret = -EBUSY;

	pthread_rwlock_wrlock(&space->lock);
	/* IOMMU maps take the read lock to look up and count: no race here. */
	if (atomic_load(&region->mapped))
		goto out_unlock;
	for (size_t i = 0; i < space->nr; i++) {
		if (space->regions[i] != region)
			continue;
		for (size_t j = i + 1; j < space->nr; j++)
			space->regions[j - 1] = space->regions[j];
		space->nr--;
		break;
	}
	ret = 0;
out_unlock:
	pthread_rwlock_unlock(&space->lock);
	return ret;
}

struct dmb_mem_region *dmb_phys_to_region(struct dmb_phys_space *space,
					  uint64_t phys)
{
	struct dmb_mem_region *r;

	if (DMB_WARN(!space, "dmb_phys_to_region(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	pthread_rwlock_rdlock(&space->lock);
	r = __dmb_space_lookup_locked(space, phys);
	pthread_rwlock_unlock(&space->lock);
	if (!r)
		errno = EFAULT;
	return r;
}

void *dmb_phys_to_virt(struct dmb_phys_space *space, uint64_t phys,
		       uint64_t len)
{
	struct dmb_mem_region *r;
	void *va = NULL;

	if (DMB_WARN(!space, "dmb_phys_to_virt(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	pthread_rwlock_rdlock(&space->lock);
	r = __dmb_space_lookup_locked(space, phys);
	if (r && len && len <= r->size - (phys - r->base))
		va = r->cpu_view + (phys - r->base);
	pthread_rwlock_unlock(&space->lock);
	if (!va)
		errno = EFAULT;
	return va;
}
