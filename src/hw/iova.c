// SPDX-License-Identifier: MIT
/*
 * iova.c - the IOVA allocator of a DMA domain: page-aligned ranges handed
 * out first fit from a cursor that moves past each allocation and wraps at
 * the end of the space.
 *
 * Cycling instead of always taking the lowest gap keeps a just-freed range
 * unused for as long as possible: a device that still uses a stale IOVA
 * faults instead of silently reaching whatever was mapped there next.
 *
 * The allocated ranges live in an array sorted by start; an allocation or a
 * free is a binary search plus a memmove, fine for the few thousand live
 * mappings a simulation has.
 *
 * Locking: a->lock, a leaf mutex, protects everything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw-internal.h"

void __dmb_iova_init(struct dmb_iova_allocator *a, uint64_t start, uint64_t end)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	a->start = start;
	a->end = end;
	a->cursor = start;
}

void __dmb_iova_fini(struct dmb_iova_allocator *a)
{
	free(a->ranges);
	pthread_mutex_destroy(&a->lock);
}

/* Index of the first range that starts at or after @iova. */
static size_t lower_bound(const struct dmb_iova_allocator *a, uint64_t iova)
{
	size_t lo = 0, hi = a->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->ranges[mid].start < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First gap of @size at or after @from; its start and insertion index. */
static bool find_gap(const struct dmb_iova_allocator *a, uint64_t from,
		     uint64_t size, uint64_t *iova, size_t *idx)
{
	size_t i = lower_bound(a, from);
	uint64_t pos = from;

	if (i > 0 && a->ranges[i - 1].start + a->ranges[i - 1].size > pos)
		pos = a->ranges[i - 1].start + a->ranges[i - 1].size;
	for (; i < a->nr; i++) {
		if (a->ranges[i].start - pos >= size)
			goto found;
		pos = a->ranges[i].start + a->ranges[i].size;
	}
	if (pos > a->end || a->end - pos < size)
		return false;
found:
	*iova = pos;
	*idx = i;
	return true;
}

int __dmb_iova_alloc(struct dmb_iova_allocator *a, uint64_t size, uint64_t *iova)
{
	size_t idx;
	int ret = 0;

	/* Checked before rounding up: a size near 2^64 rounds up to 0. */
	if (!size || size > a->end - a->start)
		return size ? -ENOSPC : -EINVAL;
	size = DMB_PAGE_ALIGN(size);
	pthread_mutex_lock(&a->lock);
	if (!find_gap(a, a->cursor, size, iova, &idx) &&
	    !find_gap(a, a->start, size, iova, &idx)) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	if (a->nr == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		struct dmb_iova_range *r = realloc(a->ranges, cap * sizeof(*r));

		if (!r) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		a->ranges = r;
		a->cap = cap;
	}
	memmove(&a->ranges[idx + 1], &a->ranges[idx],
		(a->nr - idx) * sizeof(a->ranges[0]));
	a->ranges[idx] = (struct dmb_iova_range){ .start = *iova, .size = size };
	a->nr++;
	a->cursor = *iova + size;
out_unlock:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int __dmb_iova_free(struct dmb_iova_allocator *a, uint64_t iova, uint64_t size)
{
	size_t idx;
	int ret = -EINVAL;

	size = DMB_PAGE_ALIGN(size);
	pthread_mutex_lock(&a->lock);
	idx = lower_bound(a, iova);
	if (idx == a->nr || a->ranges[idx].start != iova ||
	    a->ranges[idx].size != size)
		goto out_unlock;
	memmove(&a->ranges[idx], &a->ranges[idx + 1],
		(a->nr - idx - 1) * sizeof(a->ranges[0]));
	a->nr--;
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

bool __dmb_iova_allocated(struct dmb_iova_allocator *a, uint64_t iova,
			  uint64_t size)
{
	size_t idx;
	bool found;

	size = DMB_PAGE_ALIGN(size);
	pthread_mutex_lock(&a->lock);
	idx = lower_bound(a, iova);
	found = idx < a->nr && a->ranges[idx].start == iova &&
		a->ranges[idx].size == size;
	pthread_mutex_unlock(&a->lock);
	return found;
}
